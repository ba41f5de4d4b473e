"""Queue metrics folded from the event log, checked against hand-computed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from contact_center.metrics import queue_metrics

T0 = datetime(2026, 12, 3, 9, 0, 0)


@dataclass
class Ev:
    kind: str
    call_sid: str
    seconds: float  # after T0
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def at(self) -> datetime:
        return T0 + timedelta(seconds=self.seconds)


def answered(sid, queue, start, wait, talk, wrap):
    return [
        Ev("enqueued", sid, start, {"queue": queue}),
        Ev("connected", sid, start + wait, {"wait_seconds": wait}),
        Ev("agent_leg_ended", sid, start + wait + talk, {"talk_seconds": talk}),
        Ev("completed", sid, start + wait + talk + 5, {"talk_seconds": talk}),
        Ev("wrap_up_ended", sid, start + wait + talk + wrap, {}),
    ]


def abandoned(sid, queue, start, wait):
    return [Ev("enqueued", sid, start, {"queue": queue}), Ev("abandoned", sid, start + wait, {"wait_seconds": wait})]


def fold(*groups, target=20):
    events = sorted((e for g in groups for e in g), key=lambda e: e.at)
    return {name: m.as_dict() for name, m in queue_metrics(events, target).items()}


def test_service_level_asa_aht_and_abandon_rate():
    stats = fold(
        answered("CA1", "billing", 0, wait=10, talk=100, wrap=30),
        answered("CA2", "billing", 5, wait=30, talk=200, wrap=60),
        abandoned("CA3", "billing", 7, wait=45),
        abandoned("CA4", "billing", 8, wait=15),
    )["billing"]
    assert stats["entered"] == 4 and stats["answered"] == 2 and stats["abandoned"] == 2
    assert stats["service_level"] == 0.25  # CA1 only, of 4 that stopped waiting
    assert stats["asa"] == 20.0  # (10 + 30) / 2
    assert stats["aht"] == 195.0  # (100 + 30 + 200 + 60) / 2
    assert stats["abandon_rate"] == 0.5


def test_queues_are_kept_apart_and_an_empty_ratio_is_none():
    stats = fold(answered("CA1", "billing", 0, 5, 60, 10), [Ev("enqueued", "CA2", 1, {"queue": "technical"})])
    assert stats["billing"]["service_level"] == 1.0
    assert stats["technical"] == {"entered": 1, "answered": 0, "abandoned": 0, "service_level": None,
                                  "asa": None, "aht": None, "abandon_rate": None}


def test_a_call_without_wrap_up_yet_is_not_in_aht():
    events = answered("CA1", "billing", 0, 5, 60, 10)[:-1]
    assert fold(events)["billing"]["aht"] is None


def test_calls_enqueued_before_the_window_are_left_out():
    late_half = answered("CA1", "billing", 0, 5, 60, 10)[1:]  # its 'enqueued' is outside the window
    assert fold(late_half) == {}


@pytest.mark.parametrize(("wait", "within"), [(19.9, 1.0), (20, 1.0), (20.1, 0.0)])
def test_target_is_inclusive(wait, within):
    assert fold(answered("CA1", "q", 0, wait, 30, 5))["q"]["service_level"] == within
