"""Fixtures over a real Redis and a real database.

Redis: ``TEST_REDIS_URL`` (``./dev test`` sets it, starting a server on a free
port when 127.0.0.1:6379 does not answer), else 127.0.0.1:6379. Each test gets
a flushed database index. The SQL database is a fresh SQLite file per test;
``TEST_DATABASE_URL`` (PostgreSQL) adds the production path where tests ask
for it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from contact_center.config import Config

#: Database indexes a test run may claim; 15 is left to the benchmarks.
TEST_REDIS_DBS = range(1, 15)
CLAIM_KEY = "contact-center:test-run"


def _redis_base_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """An empty database index of the real Redis, claimed for this run only.

    Several runs on one machine (two developers, CI and a developer) share the
    Redis on 6379; each claims its own index so no run flushes another's data.
    """
    base = _redis_base_url()
    try:
        redis.Redis.from_url(base).ping()
    except redis.ConnectionError as exc:
        pytest.fail(
            f"tests need a real Redis and none answers at {base} ({exc}); "
            "run the suite with ./dev test, which starts one",
            pytrace=False,
        )
    token = f"{socket.gethostname()}:{os.getpid()}"
    for index in TEST_REDIS_DBS:
        conn = redis.Redis.from_url(f"{base}/{index}")
        if conn.dbsize() == 0 and conn.set(CLAIM_KEY, token, nx=True, ex=3600):
            yield f"{base}/{index}"
            conn.flushdb()
            conn.close()
            return
        conn.close()
    pytest.fail(f"no empty Redis database index in {list(TEST_REDIS_DBS)} at {base}", pytrace=False)


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[redis.Redis]:
    conn = redis.Redis.from_url(redis_url)
    claim = conn.get(CLAIM_KEY)
    conn.flushdb()
    conn.set(CLAIM_KEY, claim, ex=3600)
    yield conn
    conn.flushdb()
    conn.set(CLAIM_KEY, claim, ex=3600)
    conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def config(tmp_path: Path, redis_conn: redis.Redis, redis_url: str) -> Config:
    return Config(
        secret_key="test-secret",
        instance_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'test.db'}",
        redis_url=redis_url,
        twilio_auth_token="test-auth-token",
        twilio_api_base_url="http://127.0.0.1:9",  # replaced by tests that accept calls
        public_base_url="http://localhost",
        offer_timeout_seconds=5,
        hold_pause_seconds=1,
        socketio_message_queue=None,
        embedded_workers=False,
        testing=True,
    )


@pytest.fixture
def app(config: Config):
    from app import create_app

    application = create_app(config)
    yield application
    services = application.extensions["contact_center"]
    services.db.engine.dispose()


@pytest.fixture
def services(app):
    return app.extensions["contact_center"]


@pytest.fixture
def client(app):
    return app.test_client()


def app_with_flow(config: Config, tmp_path: Path, name: str, text: str):
    """An app whose only flow (and default) is ``text``, saved as ``<name>.yaml``."""
    from app import create_app

    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / f"{name}.yaml").write_text(text)
    return create_app(config.with_overrides(flows_dir=flows, default_flow=name))


class TwilioSigner:
    """Signs form posts the way Twilio does, for the Flask test client."""

    def __init__(self, client, config: Config) -> None:
        from twilio.request_validator import RequestValidator

        self.client = client
        self.base = config.public_base_url
        self.validator = RequestValidator(config.twilio_auth_token)

    def post(self, path: str, params: dict[str, str], *, signature: str | None = None):
        url = self.base + path
        signed = self.validator.compute_signature(url, params)
        return self.client.post(
            path, data=params, headers={"X-Twilio-Signature": signature or signed}
        )


@pytest.fixture
def twilio(client, config: Config) -> TwilioSigner:
    return TwilioSigner(client, config)


def call_params(call_sid: str, caller: str = "+15005550006", **extra: str) -> dict[str, str]:
    """The standard parameters Twilio sends with every voice request."""
    params = {
        "CallSid": call_sid,
        "AccountSid": "AC" + "1" * 32,
        "From": caller,
        "To": "+15005550001",
        "Caller": caller,
        "Called": "+15005550001",
        "CallStatus": "ringing",
        "ApiVersion": "2010-04-01",
        "Direction": "inbound",
    }
    params.update(extra)
    return params


class LiveServer:
    """The app served over real HTTP on a free port, in a thread."""

    def __init__(self, config: Config) -> None:
        import threading

        from werkzeug.serving import make_server

        from app import create_app

        self.app = create_app(config)
        self.services = self.app.extensions["contact_center"]
        self.url = config.public_base_url
        self._server = make_server("127.0.0.1", config.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)
        self.services.db.engine.dispose()


@pytest.fixture
def virtual_twilio(config: Config):
    """The call simulator with its fake REST API running."""
    from contact_center.simulator import VirtualTwilio

    sim = VirtualTwilio(base_url=config.public_base_url, auth_token=config.twilio_auth_token)
    sim.start_api()
    yield sim
    sim.stop_api()


@pytest.fixture
def live_server(config: Config, virtual_twilio):
    port = free_port()
    live_config = config.with_overrides(
        port=port,
        public_base_url=f"http://127.0.0.1:{port}",
        twilio_api_base_url=virtual_twilio.api_base_url,
    )
    virtual_twilio.base_url = live_config.public_base_url
    server = LiveServer(live_config)
    yield server
    server.stop()


# -- action helpers: what many tests do on the way to what they check ----------------------


def walk_to_billing(twilio: TwilioSigner, call_sid: str, caller: str = "+15005550006") -> dict[str, str]:
    """A caller rings and presses 1 (English), then 1 (billing): the call waits in
    the billing queue. Returns the in-progress parameters for later webhooks."""
    twilio.post("/voice/incoming", call_params(call_sid, caller=caller))
    live = call_params(call_sid, caller=caller, CallStatus="in-progress")
    twilio.post("/voice/step?node=language&attempt=1&visit=0", {**live, "Digits": "1"})
    twilio.post("/voice/step?node=menu_en&attempt=1&visit=1", {**live, "Digits": "1"})
    return live


def seed_agents(services, *online: str) -> dict[str, int]:
    """Seed the demo users, register the ``online`` ones with routing (as their
    console connecting does) and return ``{username: id}``."""
    from sqlalchemy import select

    from contact_center.demo import seed_demo_users
    from contact_center.models import User

    seed_demo_users(services.db)
    with services.db.session() as session:
        ids = {u.username: u.id for u in session.scalars(select(User))}
    for name in online:
        services.call_center.agent_online(ids[name])
    return ids


@pytest.fixture
def online_usernames() -> tuple[str, ...]:
    """The demo agents ``agents`` registers with routing: none. A test module
    that needs agents online overrides this fixture with their usernames."""
    return ()


@pytest.fixture
def agents(services, online_usernames: tuple[str, ...]) -> dict[str, int]:
    """The demo users, seeded: ``{username: id}``."""
    return seed_agents(services, *online_usernames)


def agent_console(app, username: str, namespace: str = "/agent"):
    """A Socket.IO test client logged in as a demo user (password ``{username}-demo``)."""
    from contact_center.web.extensions import socketio

    http = app.test_client()
    http.post("/login", data={"username": username, "password": f"{username}-demo"})
    return socketio.test_client(app, namespace=namespace, flask_test_client=http)


class Emitted(list):
    """Socket.IO events the product emitted, as (event, payload, room), in order;
    ``offers`` holds the payloads of the ``offer`` events alone."""

    def __init__(self) -> None:
        super().__init__()
        self.offers: list[dict] = []


def record_emits(services) -> Emitted:
    """Record every event the product emits, still sending it on."""
    emitted = Emitted()
    original = services.call_center.notifier._emit

    def record(event, payload, namespace=None, to=None):
        emitted.append((event, payload, to))
        if event == "offer":
            emitted.offers.append(payload)
        return original(event, payload, namespace=namespace, to=to)

    services.call_center.notifier._emit = record
    return emitted


@pytest.fixture
def sent(services) -> Emitted:
    """Every Socket.IO event the product emits: (event, payload, room)."""
    return record_emits(services)


@pytest.fixture
def offers(sent: Emitted) -> list[dict]:
    """The payload of every offer the product sends, to any agent."""
    return sent.offers


@pytest.fixture
def rest_ok(services) -> list[str]:
    """Twilio's REST API accepts every call update; the CallSids updated, in order."""
    updates: list[str] = []
    services.call_center.telephony.redirect_call = lambda sid, twiml: updates.append(sid)
    return updates
