"""Demo users for the embedded mode; the README lists them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from contact_center.db import Database
from contact_center.models import Call, Customer, User, utcnow

DEMO_USERS = (
    # username, password, display name, role, skills
    ("alice", "alice-demo", "Alice Archer", "agent", "billing technical english"),
    ("boris", "boris-demo", "Boris Belov", "agent", "billing technical english russian"),
    ("chen", "chen-demo", "Chen Cho", "agent", "technical english"),
    ("sam", "sam-demo", "Sam Supervisor", "supervisor", ""),
)


def seed_demo_users(db: Database) -> list[tuple[str, str, str]]:
    """Create the demo users that do not exist yet; return (username, password, role)."""
    with db.session() as session:
        for username, password, name, role, skills in DEMO_USERS:
            if session.scalar(select(User.id).where(User.username == username)):
                continue
            user = User(
                username=username, display_name=name, role=role, skills=skills,
                client_identity=f"agent_{username}", connect_via="client",
            )
            user.set_password(password)
            session.add(user)
    return [(u, p, r) for u, p, _, r, _ in DEMO_USERS]


DEMO_CALLER = "+15005550006"  # the call simulator's default caller


def seed_demo_history(db: Database) -> None:
    """Give the simulator's caller an earlier call, so the first screen pop has history."""
    with db.session() as session:
        if session.scalar(select(Customer.id).where(Customer.phone == DEMO_CALLER)):
            return
        boris = session.scalar(select(User).where(User.username == "boris"))
        customer = Customer(phone=DEMO_CALLER, name="Dana Driver")
        started = utcnow() - timedelta(days=3, hours=2)
        session.add(Call(
            call_sid="CA" + "d" * 32, customer=customer, from_number=DEMO_CALLER, to_number="+15005550001",
            flow_name="support", flow_version="demo", ivr_path=["language", "menu_en", "technical_en"],
            status="completed", outcome="answered", queue="technical", skills="technical english",
            agent_id=boris.id if boris else None, started_at=started,
            enqueued_at=started + timedelta(seconds=20), answered_at=started + timedelta(seconds=62),
            ended_at=started + timedelta(seconds=372), wait_seconds=42.0, talk_seconds=310.0,
            note="Router kept dropping the line; a factory reset fixed it.", satisfaction=4,
        ))
