"""Events out: what browsers are told, over Socket.IO.

It wraps any ``emit(event, data, namespace=..., to=...)``: the web app's
``SocketIO`` or, in a worker process, a write-only ``SocketIO(message_queue=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

AGENT_NAMESPACE = "/agent"
SUPERVISOR_NAMESPACE = "/supervisor"
SUPERVISORS_ROOM = "supervisors"

Emit = Callable[..., Any]


def agent_room(agent_id: int) -> str:
    return f"agent:{agent_id}"


class Notifier:
    def __init__(self, emit: Emit) -> None:
        self._emit = emit

    def to_agent(self, agent_id: int, event: str, payload: Any) -> None:
        self._emit(event, payload, namespace=AGENT_NAMESPACE, to=agent_room(agent_id))

    def to_all_agents(self, event: str, payload: Any) -> None:
        self._emit(event, payload, namespace=AGENT_NAMESPACE)

    def to_supervisors(self, event: str, payload: Any) -> None:
        self._emit(event, payload, namespace=SUPERVISOR_NAMESPACE, to=SUPERVISORS_ROOM)
