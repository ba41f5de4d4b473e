"""RQ jobs. Module-level functions that take ids and reload what they need.

The process that runs them (``contact_center.worker`` or the embedded worker
thread) binds its ``Services`` once with ``bind``. Exceptions are not caught:
RQ puts a failed job in its failed registry, where it can be retried.
"""

from __future__ import annotations

from contact_center.services import Services
from gamification.leaderboard import award_for_call

_services: Services | None = None


def bind(services: Services) -> None:
    global _services
    _services = services


def _current() -> Services:
    if _services is None:
        raise RuntimeError("jobs.bind(services) was not called in this worker")
    return _services


def award_points(call_sid: str) -> int:
    """Give the answering agent the points their call earned, once."""
    services = _current()
    with services.db.session() as session:
        agent_id, given = award_for_call(session, call_sid)
    if given:
        services.leaderboard.add(agent_id, given)
        services.call_center.boards.push_leaderboard()
    return given
