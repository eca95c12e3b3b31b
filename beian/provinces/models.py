"""Database model of this feature: what one province's bureau asks beyond the national rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from beian.db import Base
from beian.db.types import UtcDateTime


class ProvinceRule(Base):
    """The rules of one province; a province without a row follows the national rules."""

    __tablename__ = "province_rules"

    # GB/T 2260 province-level code, e.g. 440000.
    province: Mapped[str] = mapped_column(String(6), primary_key=True)
    # Names of icp_materials lists (beian.core.document.MATERIAL_FIELDS), sorted.
    required_materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Months a certificate must stay valid after submission; None means the national default.
    min_validity_months: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
