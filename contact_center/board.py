"""What supervisors see: queues, agents, metrics and the leaderboard, pushed live."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from contact_center import events, metrics
from contact_center.db import Database
from contact_center.flow_registry import FlowRegistry
from contact_center.models import Event, utcnow
from contact_center.notifier import Notifier
from contact_center.routing import Router
from gamification.leaderboard import Leaderboard

#: Folded metrics are reused while no metric event is added, this long at most.
METRICS_MAX_AGE_SECONDS = 30.0


class SupervisorBoard:
    def __init__(
        self,
        *,
        db: Database,
        router: Router,
        flows: FlowRegistry,
        leaderboard: Leaderboard,
        notifier: Notifier,
        service_level_seconds: float,
        metrics_window_hours: float,
    ) -> None:
        self.db = db
        self.router = router
        self.flows = flows
        self.leaderboard = leaderboard
        self.notifier = notifier
        self.service_level_seconds = service_level_seconds
        self.metrics_window_hours = metrics_window_hours
        self._metrics_cache: tuple[int | None, float, dict] | None = None
        self._last_pushed_queues: list | None = None

    def snapshot(self) -> dict:
        """The whole board, as the ``board`` event carries it."""
        board = self.router.snapshot(self.flows.queue_names())
        stats = self._metrics()
        for queue in board["queues"]:
            queue.update(stats.get(queue["name"]) or metrics.QueueMetrics(queue["name"]).as_dict())
        board["service_level_seconds"] = self.service_level_seconds
        board["metrics_window_hours"] = self.metrics_window_hours
        with self.db.session() as session:
            board["leaderboard"] = self.leaderboard.top(session)
        return board

    def push(self) -> None:
        board = self.snapshot()
        self._last_pushed_queues = board["queues"]
        self.notifier.to_supervisors("board", board)

    def push_leaderboard(self) -> None:
        board = self.snapshot()
        self.notifier.to_all_agents("leaderboard", board["leaderboard"])
        self.notifier.to_supervisors("board", board)

    def push_if_metrics_changed(self) -> None:
        """Metrics also move with no event (calls age out of the window): push when they do."""
        self._metrics_cache = None
        board = self.snapshot()
        if board["queues"] != self._last_pushed_queues:
            self._last_pushed_queues = board["queues"]
            self.notifier.to_supervisors("board", board)

    def queue_metrics(self) -> dict[str, dict]:
        """Per-queue metrics over the window, from the event log."""
        start = utcnow() - timedelta(hours=self.metrics_window_hours)
        with self.db.session() as session:
            rows = events.since(session, start, metrics.METRIC_EVENTS)
        stats = metrics.queue_metrics(rows, self.service_level_seconds)
        return {name: queue.as_dict() for name, queue in stats.items()}

    def _metrics(self) -> dict[str, dict]:
        # Boards are pushed on every state change: fold the log again only
        # when a metric event was added, or the window has moved on a while.
        with self.db.session() as session:
            newest = session.scalar(select(func.max(Event.id)).where(Event.kind.in_(metrics.METRIC_EVENTS)))
        now = time.monotonic()
        cached = self._metrics_cache
        if cached is None or cached[0] != newest or now - cached[1] >= METRICS_MAX_AGE_SECONDS:
            self._metrics_cache = cached = (newest, now, self.queue_metrics())
        return cached[2]
