"""Customers and their history: what an agent's screen pop shows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from contact_center.models import Call, Customer

HISTORY_LIMIT = 20


def get_or_create(session: Session, phone: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.phone == phone))
    if customer is None:
        customer = Customer(phone=phone)
        session.add(customer)
        session.flush()
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
            "satisfaction": call.satisfaction,
        }
        for call in session.scalars(query)
        if call.call_sid != exclude_call_sid
    ]


def profile(session: Session, customer: Customer) -> dict:
    count = len(session.scalars(select(Call.id).where(Call.customer_id == customer.id)).all())
    return {"phone": customer.phone, "name": customer.name, "calls_count": count}


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)
