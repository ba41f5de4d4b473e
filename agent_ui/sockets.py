"""Socket.IO namespaces: one class per audience, each event one service call."""

from __future__ import annotations

from flask import session
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room

from contact_center.exceptions import ContactCenterError
from contact_center.extensions import services
from contact_center.models import User
from contact_center.notifier import AGENT_NAMESPACE, SUPERVISOR_NAMESPACE, SUPERVISORS_ROOM, agent_room


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
        for event, payload in services().call_center.console_opened(user.id):
            emit(event, payload)

    def on_disconnect(self, reason=None) -> None:
        agent_id = session.get("user_id")
        if agent_id is not None:
            services().call_center.console_closed(agent_id)

    def on_set_state(self, data) -> None:
        self._act(lambda c, agent: c.set_agent_state(agent, str(data.get("state"))))

    def on_accept(self, data) -> None:
        self._act(lambda c, agent: c.accept(agent, str(data["call_sid"]), str(data["offer_id"])))

    def on_decline(self, data) -> None:
        self._act(lambda c, agent: c.decline(agent, str(data["call_sid"]), str(data["offer_id"])))

    def on_wrap_up(self, data) -> None:
        self._act(lambda c, agent: c.finish_wrap_up(agent, str(data["call_sid"]), str(data.get("note", ""))))

    def _act(self, action) -> None:
        """Run one console action; a refused one is told to that console only."""
        agent_id = session.get("user_id")
        if agent_id is None:
            emit("error", {"message": "log in first"})
            return
        try:
            action(services().call_center, agent_id)
        except ContactCenterError as exc:
            emit("error", {"message": str(exc)})
        except (KeyError, TypeError, AttributeError):
            emit("error", {"message": "malformed request"})


class SupervisorNamespace(Namespace):
    def __init__(self) -> None:
        super().__init__(SUPERVISOR_NAMESPACE)

    def on_connect(self, auth=None) -> None:
        _user_with_role("supervisor")
        join_room(SUPERVISORS_ROOM)
        emit("board", services().call_center.boards.snapshot())
