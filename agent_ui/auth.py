"""Who is logged in: a user id in the Flask session, shared with Socket.IO."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, redirect, session, url_for
from sqlalchemy import select

from contact_center.models import User
from contact_center.web.extensions import services


def authenticate(username: str, password: str) -> User | None:
    with services().db.session() as db_session:
        user = db_session.scalar(select(User).where(User.username == username))
    if user is None or not user.check_password(password):
        return None
    return user


def current_user() -> User | None:
    if "user" not in g:
        user_id = session.get("user_id")
        g.user = None
        if user_id is not None:
            with services().db.session() as db_session:
                g.user = db_session.get(User, user_id)
    return g.user


def login_required(role: str) -> Callable:
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None or user.role != role:
                return redirect(url_for("agent_ui.login"))
            return view(*args, **kwargs)

        return wrapper

    return decorate
