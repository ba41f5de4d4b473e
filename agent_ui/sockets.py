"""Socket.IO namespaces: one class per audience, each event one service call."""

from __future__ import annotations

from flask import session
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room

from contact_center.exceptions import ContactCenterError
from contact_center.extensions import services
from contact_center.models import User
from contact_center.notifier import AGENT_NAMESPACE, SUPERVISOR_NAMESPACE, SUPERVISORS_ROOM, agent_room

#: States an agent leaves for *offline* when their console disconnects.
IDLE_STATES = frozenset({"available", "away", "missed"})


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
        call_center = services().call_center
        call_center.router.console_opened(user.id)
        emit("state", call_center.agent_online(user.id))
        offer = call_center.pending_offer(user.id)
        if offer is not None:  # a reloaded page must still be able to accept
            emit("offer", offer)
        screen = call_center.screen_pop(user.id)
        if screen is not None:  # ...and keep the caller's page during the call
            emit("screen_pop", screen)
        emit("leaderboard", call_center.board()["leaderboard"])
        call_center.push_board()

    def on_disconnect(self, reason=None) -> None:
        agent_id = session.get("user_id")
        if agent_id is None:
            return
        call_center = services().call_center
        # Only the agent's last open console going away takes them offline.
        if call_center.router.console_closed(agent_id) <= 0 and \
                call_center.agent_view(agent_id)["state"] in IDLE_STATES:
            call_center.set_agent_state(agent_id, "offline")

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
        emit("board", services().call_center.board())
