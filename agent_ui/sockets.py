"""Socket.IO namespaces: one class per audience, each event one service call."""

from __future__ import annotations

from collections.abc import Callable

from flask import request, session
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room

from contact_center.call_center import CallCenter
from contact_center.exceptions import ContactCenterError
from contact_center.models import User
from contact_center.notifier import AGENT_NAMESPACE, SUPERVISOR_NAMESPACE, SUPERVISORS_ROOM, agent_room
from contact_center.web.extensions import services


def _user_with_role(role: str) -> User:
    user_id = session.get("user_id")
    user = None
    if user_id is not None:
        with services().db.session() as db_session:
            user = db_session.get(User, user_id)
    if user is None or user.role != role:
        raise ConnectionRefusedError("log in first")
    return user


class AgentNamespace(Namespace):
    def __init__(self) -> None:
        super().__init__(AGENT_NAMESPACE)

    def on_connect(self, auth=None) -> None:
        user = _user_with_role("agent")
        join_room(agent_room(user.id))
        for event, payload in services().call_center.console_opened(user.id, request.sid):
            emit(event, payload)

    def on_disconnect(self, reason=None) -> None:
        agent_id = session.get("user_id")
        if agent_id is not None:
            services().call_center.console_closed(agent_id, request.sid)

    def on_alive(self, data: object = None) -> None:
        """The console's heartbeat: its presence would expire without it."""
        agent_id = session.get("user_id")
        if agent_id is not None:
            services().call_center.console_alive(agent_id, request.sid)

    def on_set_state(self, data: object) -> None:
        self._act(data, ("state",), lambda c, agent, p: c.set_agent_state(agent, p["state"]))

    def on_accept(self, data: object) -> None:
        self._act(data, ("call_sid", "offer_id"), lambda c, agent, p: c.accept(agent, p["call_sid"], p["offer_id"]))

    def on_decline(self, data: object) -> None:
        self._act(data, ("call_sid", "offer_id"), lambda c, agent, p: c.decline(agent, p["call_sid"], p["offer_id"]))

    def on_wrap_up(self, data: object) -> None:
        self._act(data, ("call_sid",), lambda c, agent, p: c.finish_wrap_up(agent, p["call_sid"], p.get("note", "")))

    def _act(self, data: object, required: tuple[str, ...], action: Callable[[CallCenter, int, dict], None]) -> None:
        """Check the message, run one console action; a refused one is told to that console only."""
        agent_id = session.get("user_id")
        if agent_id is None:
            emit("error", {"message": "log in first"})
            return
        payload = _strings(data, required)
        if payload is None:
            emit("error", {"message": f"malformed request: expected {', '.join(required)}"})
            return
        try:
            action(services().call_center, agent_id, payload)
        except ContactCenterError as exc:
            emit("error", {"message": str(exc)})


def _strings(data: object, required: tuple[str, ...]) -> dict[str, str] | None:
    """The message's string fields, or ``None`` if it is not an object with ``required``."""
    if not isinstance(data, dict) or not all(isinstance(data.get(key), str | int) for key in required):
        return None
    return {key: str(value) for key, value in data.items() if isinstance(value, str | int)}


class SupervisorNamespace(Namespace):
    def __init__(self) -> None:
        super().__init__(SUPERVISOR_NAMESPACE)

    def on_connect(self, auth=None) -> None:
        _user_with_role("supervisor")
        join_room(SUPERVISORS_ROOM)
        emit("board", services().call_center.boards.snapshot())
