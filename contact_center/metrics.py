"""Queue metrics, folded from the event log: the numbers a supervisor watches.

Definitions (per queue, over the window of events given):
- entered: calls that entered the queue;
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
    entered: int = 0
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
            "entered": self.entered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "service_level": _rounded(self.service_level, 3),
            "asa": _rounded(self.asa, 1),
            "aht": _rounded(self.aht, 1),
            "abandon_rate": _rounded(self.abandon_rate, 3),
        }


class MetricsFold:
    """Metrics per queue, built by adding events one by one, oldest first.

    Calls enqueued before the first event added are left out entirely, so
    every number describes the same set of calls.
    """

    def __init__(self, target_seconds: float) -> None:
        self.target_seconds = target_seconds
        self.queues: dict[str, QueueMetrics] = {}
        self._queue_of: dict[str, str] = {}
        self._talk: dict[str, tuple[float, datetime]] = {}

    def add(self, event: EventLike) -> None:
        sid = event.call_sid
        if event.kind == "enqueued":
            self._queue_of[sid] = event.data["queue"]
            self.queues.setdefault(self._queue_of[sid], QueueMetrics(self._queue_of[sid])).entered += 1
            return
        if sid not in self._queue_of:
            return
        queue = self.queues[self._queue_of[sid]]
        if event.kind == "connected":
            wait = event.data.get("wait_seconds") or 0.0
            queue.answered += 1
            queue.wait_of_answered += wait
            queue.answered_within_target += wait <= self.target_seconds
        elif event.kind == "abandoned":
            queue.abandoned += 1
        elif event.kind in ("agent_leg_ended", "completed") and event.data.get("talk_seconds") is not None:
            self._talk.setdefault(sid, (event.data["talk_seconds"], event.at))
        elif event.kind == "wrap_up_ended" and sid in self._talk:
            seconds, talk_ended = self._talk.pop(sid)
            queue.handled += 1
            queue.handle_time += seconds + max(0.0, (event.at - talk_ended).total_seconds())

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: queue.as_dict() for name, queue in self.queues.items()}


def queue_metrics(events: Iterable[EventLike], target_seconds: float) -> dict[str, QueueMetrics]:
    """Fold events (oldest first) into metrics per queue."""
    fold = MetricsFold(target_seconds)
    for event in events:
        fold.add(event)
    return fold.queues


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
