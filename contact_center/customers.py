"""Customers and their history: what an agent's screen pop shows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contact_center.models import Call, Customer

HISTORY_LIMIT = 20


#: What Twilio puts in ``From`` when the caller withheld their number.
WITHHELD = ("anonymous", "unknown", "restricted", "private", "unavailable")


def is_withheld(number: str) -> bool:
    lowered = number.strip().lower()
    return not lowered or any(word in lowered for word in WITHHELD)


def for_caller(session: Session, number: str, call_sid: str) -> Customer:
    """The caller's customer record; a withheld number gets one of its own.

    Callers who hide their number are not one person: sharing a record would
    show an agent a stranger's calls and notes.
    """
    if is_withheld(number):
        customer = Customer(phone=f"withheld:{call_sid}", name="Withheld number")
        session.add(customer)
        session.flush()
        return customer
    return get_or_create(session, number)


def get_or_create(session: Session, phone: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.phone == phone))
    if customer is not None:
        return customer
    try:
        # Two first calls from one number can race here (a switchboard).
        with session.begin_nested():
            customer = Customer(phone=phone)
            session.add(customer)
    except IntegrityError:
        customer = session.scalar(select(Customer).where(Customer.phone == phone))
    return customer


def history(session: Session, customer: Customer, exclude_call_sid: str | None = None) -> list[dict]:
    """Earlier calls, newest first, as the console renders them."""
    query = (
        select(Call)
        .where(Call.customer_id == customer.id)
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(HISTORY_LIMIT)
    )
    return [
        {
            "call_sid": call.call_sid,
            "started_at": call.started_at.isoformat() + "Z",
            "ivr_path": list(call.ivr_path or []),
            "queue": call.queue,
            "wait_seconds": _rounded(call.wait_seconds),
            "talk_seconds": _rounded(call.talk_seconds),
            "agent": call.agent.display_name if call.agent else None,
            "outcome": call.outcome or call.status,
            "note": call.note,
            "voicemail_url": call.voicemail_url,
            "voicemail_seconds": call.voicemail_seconds,
            "satisfaction": call.satisfaction,
        }
        for call in session.scalars(query)
        if call.call_sid != exclude_call_sid
    ]


def profile(session: Session, customer: Customer, exclude_call_sid: str | None = None) -> dict:
    """Who is calling; ``calls_count`` counts their earlier calls."""
    query = select(func.count(Call.id)).where(Call.customer_id == customer.id, Call.call_sid != exclude_call_sid)
    return {"phone": customer.phone, "name": customer.name, "calls_count": session.scalar(query)}


def recent_voicemails(session: Session, since: datetime, limit: int = 20) -> list[dict]:
    """Messages callers left since ``since``, newest first, for the board."""
    query = (
        select(Call)
        .where(Call.started_at >= since, Call.voicemail_url.is_not(None))
        .order_by(Call.started_at.desc())
        .limit(limit)
    )
    return [
        {
            "call_sid": call.call_sid,
            "caller": call.customer.name or call.from_number,
            "phone": call.from_number,
            "called_at": call.started_at.isoformat() + "Z",
            "seconds": call.voicemail_seconds,
            "url": call.voicemail_url,
            "flow": call.flow_name,
        }
        for call in session.scalars(query)
    ]


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)
