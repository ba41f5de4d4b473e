"""The points ledger: one row per (call, rule), so no award is ever counted twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contact_center.db import Base
from contact_center.models import utcnow


class PointsAward(Base):
    __tablename__ = "points_awards"
    __table_args__ = (UniqueConstraint("call_sid", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int]
    call_sid: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(32))
    points: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
