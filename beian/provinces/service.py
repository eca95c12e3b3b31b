"""Read and change the per-province rules, and turn them into the pre-check's configuration.

A province with no stored row follows the national rules of `PrecheckConfig`. Saving a
province's rules with no material and no validity override deletes its row, so the
table only ever holds real differences. Every change is written to the audit trail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from beian.accounts.roles import BUREAU_PROVINCES
from beian.audit import service as audit
from beian.clock import as_utc
from beian.core.document import MATERIAL_FIELDS, Materials
from beian.core.precheck import PrecheckConfig, ProvinceRules
from beian.core.precheck.rules.documents import MATERIAL_LABELS
from beian.provinces.models import ProvinceRule

log = logging.getLogger(__name__)

# A certificate that must outlive the filing by more than two years is no bureau's rule;
# a larger number is almost certainly a typo (days instead of months).
MAX_VALIDITY_MONTHS = 24

# errcodes of refused rule changes (the `errcode` of a finding).
UNKNOWN_PROVINCE = 40030
UNKNOWN_MATERIAL = 40031
INVALID_MONTHS = 40032

# The material lists in the order of the filing document, with their Chinese names.
MATERIAL_CHOICES: tuple[tuple[str, str], ...] = tuple(
    (name, MATERIAL_LABELS.get(name, name)) for name in Materials.model_fields
)


class ProvinceRulesError(ValueError):
    """A rule change that cannot be saved, naming the field and what to do about it."""

    def __init__(self, errcode: int, err_field: str, errmsg: str, suggest: str) -> None:
        super().__init__(errmsg)
        self.errcode = errcode
        self.err_field = err_field
        self.errmsg = errmsg
        self.suggest = suggest


def material_label(name: str) -> str:
    """The Chinese name of an icp_materials list (the field name when it has none)."""
    return MATERIAL_LABELS.get(name, name)


def get_province_rules(session: Session, province: str) -> ProvinceRule | None:
    """The stored rules of one province, or None when it follows the national rules."""
    return session.get(ProvinceRule, province)


def list_province_rules(session: Session) -> list[ProvinceRule]:
    """Every province that has its own rules, by province code."""
    return list(session.scalars(select(ProvinceRule).order_by(ProvinceRule.province)))


def set_province_rules(
    session: Session,
    *,
    province: str,
    required_materials: Iterable[str],
    min_validity_months: int | None,
    now: datetime,
    actor: str = "system",
) -> ProvinceRule | None:
    """Replace one province's rules; None (row removed) when nothing differs from national.

    Raises ProvinceRulesError on a bad province, material or month count; nothing is
    written then.
    """
    code = _check_province(province)
    materials = _check_materials(required_materials)
    months = _check_months(min_validity_months)
    row = session.get(ProvinceRule, code)
    before = _as_detail(row)
    if not materials and months is None:
        if row is not None:
            session.delete(row)
            row = None
    else:
        if row is None:
            row = ProvinceRule(province=code)
            session.add(row)
        row.required_materials = materials
        row.min_validity_months = months
        row.updated_by = actor
        row.updated_at = as_utc(now)
    after = _as_detail(row)
    if before != after:
        audit.record(
            session,
            actor=actor,
            action="province.rules_set",
            target_type="province",
            target_id=code,
            now=now,
            detail={"before": before, "after": after},
        )
    session.flush()
    return row


def load_precheck_config(session: Session, *, base: PrecheckConfig | None = None) -> PrecheckConfig:
    """The pre-check configuration: `base`'s national settings plus every stored province."""
    return precheck_config(list_province_rules(session), base=base)


class StoredRules(Protocol):
    """What the configuration needs of a stored province row (a ProvinceRule or a tuple)."""

    @property
    def province(self) -> str: ...
    @property
    def required_materials(self) -> list[str] | None: ...
    @property
    def min_validity_months(self) -> int | None: ...


def precheck_config(
    rows: Iterable[StoredRules], *, base: PrecheckConfig | None = None
) -> PrecheckConfig:
    """`base`'s national settings plus these stored provinces' rules."""
    base = base or PrecheckConfig()
    provinces = dict(base.provinces)
    for row in rows:
        known = frozenset(row.required_materials or ()) & MATERIAL_FIELDS
        if len(known) != len(row.required_materials or ()):
            # A material list the document no longer has cannot be required; say so, go on.
            log.warning("province %s requires unknown materials; ignored", row.province)
        provinces[row.province] = ProvinceRules(
            min_validity_months=row.min_validity_months, required_materials=known
        )
    return PrecheckConfig(
        min_validity_months=base.min_validity_months,
        provinces=provinces,
        individual_applet_limit=base.individual_applet_limit,
        organisation_applet_limit=base.organisation_applet_limit,
    )


def _check_province(province: str) -> str:
    code = province.strip() if isinstance(province, str) else ""
    if code not in BUREAU_PROVINCES:
        raise ProvinceRulesError(
            UNKNOWN_PROVINCE,
            "province",
            f"不是有效的省级行政区划代码：{province}",
            "请填写 GB/T 2260 的 6 位省级代码，以 0000 结尾，例如 440000（广东省）",
        )
    return code


def _check_materials(required: Iterable[str]) -> list[str]:
    if isinstance(required, str):
        # One name passed as a string would otherwise be read letter by letter.
        required = [required]
    names = {str(name).strip() for name in required}
    unknown = sorted(names - MATERIAL_FIELDS)
    if unknown:
        choices = "、".join(f"{name}（{label}）" for name, label in MATERIAL_CHOICES)
        raise ProvinceRulesError(
            UNKNOWN_MATERIAL,
            "required_materials",
            f"未知的材料：{'、'.join(unknown)}",
            f"必备材料须从以下材料中选择：{choices}",
        )
    return sorted(names)


def _check_months(months: int | None) -> int | None:
    if months is None:
        return None
    if isinstance(months, bool) or not isinstance(months, int):
        raise ProvinceRulesError(
            INVALID_MONTHS,
            "min_validity_months",
            "证件剩余有效期应为整数个月",
            f"请填写 0 到 {MAX_VALIDITY_MONTHS} 之间的整数；留空表示沿用全国默认值",
        )
    if not 0 <= months <= MAX_VALIDITY_MONTHS:
        raise ProvinceRulesError(
            INVALID_MONTHS,
            "min_validity_months",
            f"证件剩余有效期须在 0 到 {MAX_VALIDITY_MONTHS} 个月之间，不能是 {months}",
            f"请填写 0 到 {MAX_VALIDITY_MONTHS} 之间的整数；留空表示沿用全国默认值",
        )
    return months


def _as_detail(row: ProvinceRule | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "required_materials": list(row.required_materials or ()),
        "min_validity_months": row.min_validity_months,
    }
