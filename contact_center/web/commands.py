"""``flask --app app <command>``: the operator's commands."""

from __future__ import annotations

import click
from flask import Blueprint
from sqlalchemy import select

from contact_center.demo import seed_demo_history, seed_demo_users
from contact_center.models import User
from contact_center.web.extensions import services

blueprint = Blueprint("commands", __name__, cli_group=None)


@blueprint.cli.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", help="Name shown in the console and on the board.")
@click.option("--role", type=click.Choice(["agent", "supervisor"]), default="agent", show_default=True)
@click.option("--skills", default="", help='Space-separated, e.g. "billing english".')
@click.option("--phone", help="Dial this number instead of the agent's Twilio Client identity.")
@click.password_option()
def create_user(username: str, display_name: str | None, role: str, skills: str, phone: str | None,
                password: str) -> None:
    """Create an agent or a supervisor, or update one that exists."""
    with services().db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, display_name=display_name or username, password_hash="")
            session.add(user)
        user.display_name = display_name or user.display_name
        user.role, user.skills = role, " ".join(skills.split())
        user.client_identity = user.client_identity or f"agent_{username}"
        user.connect_via, user.phone_number = ("phone", phone) if phone else ("client", None)
        user.set_password(password)
    click.echo(f"{role} {username} saved (skills: {skills or 'none'})")


@blueprint.cli.command("seed-demo")
def seed_demo() -> None:
    """Create the demo agents, the supervisor and the demo caller's earlier call."""
    for username, password, role in seed_demo_users(services().db):
        click.echo(f"{username} / {password} ({role})")
    seed_demo_history(services().db)
