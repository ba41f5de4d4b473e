"""Demo users for the embedded mode; the README lists them."""

from __future__ import annotations

from sqlalchemy import select

from contact_center.db import Database
from contact_center.models import User

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
