"""Queue metrics, folded from the event log: the numbers a supervisor watches.

Definitions (per queue, over the window of events given):
- offered: calls that entered the queue;
- answered / abandoned: calls connected to an agent / whose caller left while waiting;
- service level: answered within the target wait, out of answered + abandoned;
- ASA (average speed of answer): mean wait of answered calls;
- AHT (average handle time): mean talk + wrap-up of calls whose wrap-up ended;
- abandon rate: abandoned out of answered + abandoned.
A ratio with nothing to divide by is ``None``, shown as a dash, never a made-up 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

#: The event kinds metrics read; the store filters on them.
METRIC_EVENTS = ("enqueued", "connected", "abandoned", "agent_leg_ended", "completed", "wrap_up_ended")


class EventLike(Protocol):
    kind: str
    call_sid: str | None
    at: datetime
    data: dict[str, Any]


@dataclass
class QueueMetrics:
    queue: str
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within_target: int = 0
    wait_of_answered: float = 0.0
    handled: int = 0
    handle_time: float = 0.0

    @property
    def service_level(self) -> float | None:
        return _ratio(self.answered_within_target, self.answered + self.abandoned)

    @property
    def asa(self) -> float | None:
        return _ratio(self.wait_of_answered, self.answered)

    @property
    def aht(self) -> float | None:
        return _ratio(self.handle_time, self.handled)

    @property
    def abandon_rate(self) -> float | None:
        return _ratio(self.abandoned, self.answered + self.abandoned)

    def as_dict(self) -> dict[str, Any]:
        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "service_level": _rounded(self.service_level, 3),
            "asa": _rounded(self.asa, 1),
            "aht": _rounded(self.aht, 1),
            "abandon_rate": _rounded(self.abandon_rate, 3),
        }


def queue_metrics(events: Iterable[EventLike], target_seconds: float) -> dict[str, QueueMetrics]:
    """Fold events (oldest first) into metrics per queue.

    Calls enqueued before the window are left out entirely, so every number
    describes the same set of calls.
    """
    queue_of: dict[str, str] = {}
    talk: dict[str, tuple[float, datetime]] = {}
    stats: dict[str, QueueMetrics] = {}
    for event in events:
        sid = event.call_sid
        if event.kind == "enqueued":
            queue_of[sid] = event.data["queue"]
            stats.setdefault(queue_of[sid], QueueMetrics(queue_of[sid])).offered += 1
            continue
        if sid not in queue_of:
            continue
        queue = stats[queue_of[sid]]
        if event.kind == "connected":
            wait = event.data.get("wait_seconds") or 0.0
            queue.answered += 1
            queue.wait_of_answered += wait
            queue.answered_within_target += wait <= target_seconds
        elif event.kind == "abandoned":
            queue.abandoned += 1
        elif event.kind in ("agent_leg_ended", "completed") and event.data.get("talk_seconds") is not None:
            talk.setdefault(sid, (event.data["talk_seconds"], event.at))
        elif event.kind == "wrap_up_ended" and sid in talk:
            seconds, talk_ended = talk.pop(sid)
            queue.handled += 1
            queue.handle_time += seconds + max(0.0, (event.at - talk_ended).total_seconds())
    return stats


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
