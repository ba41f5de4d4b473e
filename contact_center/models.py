"""Tables: users, customers, calls, the event log and flow versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from contact_center.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class User(Base):
    """An agent or a supervisor."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    #: Space-separated skill names, e.g. ``"billing english"``.
    skills: Mapped[str] = mapped_column(String(256), default="")
    #: ``client``: dial the Twilio Client identity; ``phone``: dial the number.
    connect_via: Mapped[str] = mapped_column(String(8), default="client")
    client_identity: Mapped[str | None] = mapped_column(String(120))
    phone_number: Mapped[str | None] = mapped_column(String(32))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def skill_list(self) -> list[str]:
        return self.skills.split()

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    calls: Mapped[list[Call]] = relationship(
        back_populates="customer", order_by="Call.started_at.desc()"
    )


class Call(Base):
    """One inbound call, from the first webhook to the last status callback."""

    __tablename__ = "calls"

    __table_args__ = (Index("ix_calls_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    from_number: Mapped[str] = mapped_column(String(64))
    to_number: Mapped[str] = mapped_column(String(64), default="")
    flow_name: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[str] = mapped_column(String(64))
    ivr_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: ivr, queued, offered, connecting, connected, completed
    status: Mapped[str] = mapped_column(String(16), default="ivr")
    #: answered, abandoned, ended_in_ivr, failed; ``None`` while live
    outcome: Mapped[str | None] = mapped_column(String(16))
    queue: Mapped[str | None] = mapped_column(String(64))
    skills: Mapped[str] = mapped_column(String(256), default="")
    priority: Mapped[int] = mapped_column(default=0)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    wait_seconds: Mapped[float | None]
    talk_seconds: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(Text)
    #: A message the caller left (Twilio's recording URL) and its length.
    voicemail_url: Mapped[str | None] = mapped_column(String(512))
    voicemail_seconds: Mapped[float | None]
    satisfaction: Mapped[int | None]

    customer: Mapped[Customer] = relationship(back_populates="calls")
    agent: Mapped[User | None] = relationship()

    @property
    def is_live(self) -> bool:
        return self.status != "completed"


class Event(Base):
    """The append-only log every metric and every point is derived from."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_call", "call_sid"),
        Index("ix_events_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    call_sid: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FlowVersion(Base):
    """Every flow definition ever loaded, so a live call keeps its own version."""

    __tablename__ = "flow_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
