"""Unbound Flask extensions, initialised only in the app factory."""

from __future__ import annotations

from flask import current_app
from flask_socketio import SocketIO

from contact_center.services import Services

socketio = SocketIO()


def services() -> Services:
    """The running app's ``Services`` (only inside a request or socket event)."""
    return current_app.extensions["contact_center"]
