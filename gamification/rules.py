"""Which calls earn points. Pure functions of the call's events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ANSWERED_POINTS = 10
#: An answered call shorter than this earns nothing: otherwise grabbing calls
#: and hanging up at once would be the fastest way up the leaderboard.
MIN_TALK_SECONDS = 15


@dataclass(frozen=True)
class CallFacts:
    call_sid: str
    agent_id: int | None
    outcome: str | None
    talk_seconds: float | None


@dataclass(frozen=True)
class Award:
    rule: str
    points: int


def facts_from_events(call_sid: str, events: Iterable) -> CallFacts:
    """Read who answered and how the call ended from its event log rows."""
    agent_id = outcome = talk = None
    for event in events:
        if event.kind == "connected":
            agent_id = event.agent_id
        elif event.kind in ("completed", "abandoned", "ended_in_ivr"):
            outcome = event.data.get("outcome", event.kind)
            talk = event.data.get("talk_seconds")
    return CallFacts(call_sid, agent_id, outcome, talk)


def awards_for(facts: CallFacts) -> list[Award]:
    if facts.outcome != "answered" or facts.agent_id is None:
        return []
    if (facts.talk_seconds or 0) < MIN_TALK_SECONDS:
        return []
    return [Award("answered", ANSWERED_POINTS)]
