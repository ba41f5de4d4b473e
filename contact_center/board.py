"""What supervisors see: queues, agents, metrics and the leaderboard, pushed live."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from contact_center import customers, events, metrics
from contact_center.db import Database
from contact_center.flow_registry import FlowRegistry
from contact_center.models import utcnow
from contact_center.notifier import Notifier
from contact_center.routing import Router
from gamification.leaderboard import Leaderboard

#: How often the metrics are folded again from the window's start.
METRICS_REBUILD_SECONDS = 60.0


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
        self.leaderboard_store = leaderboard
        self.notifier = notifier
        self.service_level_seconds = service_level_seconds
        self.metrics_window_hours = metrics_window_hours
        self._lock = threading.Lock()
        self._fold: metrics.MetricsFold | None = None
        self._fold_started = 0.0
        self._last_event_id = 0
        self._last_pushed_queues: list | None = None

    def snapshot(self) -> dict:
        """The whole board, as the ``board`` event carries it."""
        board = self.router.snapshot(self.flows.queue_names())
        stats = self.queue_metrics()
        for queue in board["queues"]:
            queue.update(stats.get(queue["name"]) or metrics.QueueMetrics(queue["name"]).as_dict())
        board["service_level_seconds"] = self.service_level_seconds
        board["metrics_window_hours"] = self.metrics_window_hours
        board["leaderboard"] = self.leaderboard()
        with self.db.session() as session:
            since = utcnow() - timedelta(hours=self.metrics_window_hours)
            board["voicemails"] = customers.recent_voicemails(session, since)
        return board

    def leaderboard(self) -> list[dict]:
        with self.db.session() as session:
            return self.leaderboard_store.top(session)

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
        board = self.snapshot()
        if board["queues"] != self._last_pushed_queues:
            self._last_pushed_queues = board["queues"]
            self.notifier.to_supervisors("board", board)

    def queue_metrics(self) -> dict[str, dict]:
        """Per-queue metrics over the window, from the event log."""
        # Boards are pushed on every state change, from several threads: add
        # only the events written since the last push, and start over from the
        # window's start now and then so that old calls drop out.
        with self._lock, self.db.session() as session:
            now = time.monotonic()
            if self._fold is None or now - self._fold_started >= METRICS_REBUILD_SECONDS:
                self._fold, self._fold_started, self._last_event_id = metrics.MetricsFold(
                    self.service_level_seconds), now, 0
                start = utcnow() - timedelta(hours=self.metrics_window_hours)
                rows = events.since(session, metrics.METRIC_EVENTS, moment=start)
            else:
                rows = events.since(session, metrics.METRIC_EVENTS, after_id=self._last_event_id)
            for row in rows:
                self._fold.add(row)
                self._last_event_id = row.id
            return self._fold.as_dict()
