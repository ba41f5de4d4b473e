"""The event log: every step of a call and every agent state change.

Rows are only ever appended. Metrics and points are computed from them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contact_center.models import Event, utcnow

EVENT_KINDS = frozenset({
    "call_started",
    "ivr_node_entered",
    "enqueued",
    "offered",
    "offer_timed_out",
    "offer_declined",
    "offer_withdrawn",
    "accepted",
    "connected",
    "agent_no_answer",
    "completed",
    "abandoned",
    "ended_in_ivr",
    "agent_state_changed",
    "wrap_up_ended",
    "agent_leg_ended",
    "survey_answered",
    "voicemail_left",
})


def record(
    session: Session,
    kind: str,
    *,
    call_sid: str | None = None,
    agent_id: int | None = None,
    **data: object,
) -> Event:
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind '{kind}'")
    event = Event(kind=kind, call_sid=call_sid, agent_id=agent_id, data=data, at=utcnow())
    session.add(event)
    return event


def for_call(session: Session, call_sid: str) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.call_sid == call_sid).order_by(Event.id)))


def since(
    session: Session, kinds: tuple[str, ...], *, moment: datetime | None = None, after_id: int = 0
) -> list[Event]:
    """Events of ``kinds`` from ``moment`` on and with ids above ``after_id``, in the order written."""
    query = select(Event).where(Event.kind.in_(kinds), Event.id > after_id)
    if moment is not None:
        query = query.where(Event.at >= moment)
    return list(session.scalars(query.order_by(Event.id)))
