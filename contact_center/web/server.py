"""``python app.py``: the web server, plus the demo's worker and clock threads."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable

from flask import Flask

from contact_center.clock import run_clock
from contact_center.demo import seed_demo_history, seed_demo_users
from contact_center.services import Services
from contact_center.web.extensions import socketio
from contact_center.worker import start_embedded_worker


def start_background(services: Services, stop: threading.Event) -> None:
    start_embedded_worker(services, stop)
    threading.Thread(
        target=run_clock, args=(services.call_center, 1.0, stop), name="routing-clock", daemon=True
    ).start()


def banner(services: Services, logins: list[tuple[str, str, str]]) -> str:
    config = services.config
    base = f"http://{config.host}:{config.port}"
    lines = [
        "",
        "Contact center running",
        f"  Agent console:    {base}/console",
        f"  Supervisor board: {base}/board",
        f"  Twilio webhooks:  {config.public_base_url}/voice/incoming (status: /voice/status)",
        f"  Database:         {config.database_url}",
        f"  Redis:            {services.redis_url}",
    ]
    if logins:
        lines.append("  Demo logins:      " + ", ".join(f"{u} / {p} ({r})" for u, p, r in logins))
    if config.twilio_api_base_url:
        lines += [
            "  Place a demo call (in a second terminal, after an agent goes Available):",
            "    .venv/bin/python -m contact_center.simulator --digits 1 1 5 --talk-seconds 20",
        ]
    return "\n".join(lines) + "\n"


def main(create_app: Callable[[], Flask]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)  # ten lines per request otherwise
    app = create_app()
    services: Services = app.extensions["contact_center"]
    config = services.config
    logins = []
    if config.seed_demo_data:
        logins = seed_demo_users(services.db)
        seed_demo_history(services.db)
    stop = threading.Event()
    if config.embedded_workers:
        services.router.reset_consoles()  # this one process held every console
        start_background(services, stop)
    print(banner(services, logins), flush=True)
    # SIGTERM (a process manager stopping us) ends the demo as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        socketio.run(app, host=config.host, port=config.port, allow_unsafe_werkzeug=True)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        services.close()
