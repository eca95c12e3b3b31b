"""Pre-check settings: validity margin, applet limits and per-province rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from beian.core.document import MATERIAL_FIELDS


@dataclass(frozen=True)
class ProvinceRules:
    """What one province's bureau asks beyond the national rules."""

    min_validity_months: int | None = None
    required_materials: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "required_materials", frozenset(self.required_materials))
        unknown = self.required_materials - MATERIAL_FIELDS
        if unknown:
            raise ValueError(f"unknown icp_materials fields: {', '.join(sorted(unknown))}")
        if self.min_validity_months is not None and self.min_validity_months < 0:
            raise ValueError("min_validity_months must not be negative")


@dataclass(frozen=True)
class PrecheckConfig:
    """National defaults and the overrides of each province (keyed by province code)."""

    min_validity_months: int = 1
    provinces: Mapping[str, ProvinceRules] = field(default_factory=dict)
    individual_applet_limit: int = 5
    organisation_applet_limit: int = 50

    def __post_init__(self) -> None:
        object.__setattr__(self, "provinces", MappingProxyType(dict(self.provinces)))
        if self.min_validity_months < 0:
            raise ValueError("min_validity_months must not be negative")
        if self.individual_applet_limit < 1 or self.organisation_applet_limit < 1:
            raise ValueError("applet limits must be at least 1")

    def min_validity_months_for(self, province: str | None) -> int:
        """Months a certificate must stay valid after submission in this province."""
        rules = self.provinces.get(province or "")
        if rules is not None and rules.min_validity_months is not None:
            return rules.min_validity_months
        return self.min_validity_months

    def required_materials_for(self, province: str | None) -> frozenset[str]:
        """The icp_materials lists this province requires."""
        rules = self.provinces.get(province or "")
        return rules.required_materials if rules is not None else frozenset()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PrecheckConfig:
        """Build from JSON data: the same keys, provinces as {code: {...}}; ValueError if bad."""
        if not isinstance(data, Mapping):
            raise ValueError("pre-check configuration must be a JSON object")
        known = {"min_validity_months", "individual_applet_limit", "organisation_applet_limit"}
        unknown = set(data) - known - {"provinces"}
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        provinces_data = data.get("provinces", {})
        if not isinstance(provinces_data, Mapping) or not all(
            isinstance(rules, Mapping) for rules in provinces_data.values()
        ):
            raise ValueError("provinces must map province codes to objects")
        try:
            provinces = {
                str(code): ProvinceRules(
                    min_validity_months=rules.get("min_validity_months"),
                    required_materials=frozenset(rules.get("required_materials", ())),
                )
                for code, rules in provinces_data.items()
            }
            return cls(provinces=provinces, **{key: int(data[key]) for key in known & set(data)})
        except TypeError as exc:
            raise ValueError(f"malformed pre-check configuration: {exc}") from exc
