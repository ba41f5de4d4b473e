"""Several web processes and a separate worker, sharing one Redis.

The agent's console is connected to web process A; Twilio's webhooks land on
web process B; points are given by a worker with no web app at all. Offers,
boards and leaderboards still reach every browser, through Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import select

from contact_center import jobs
from contact_center.demo import seed_demo_users
from contact_center.models import User
from contact_center.worker import ThreadWorker, external_services
from tests.conftest import free_port
from tests.test_end_to_end import SocketRecorder


class WebProcess:
    """``web`` from the Procfile (gunicorn) in a process of its own, configured by environment."""

    def __init__(self, config, virtual_twilio) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": config.database_url,
            "REDIS_URL": config.redis_url,
            "SECRET_KEY": config.secret_key,  # one session cookie for every process
            "TWILIO_AUTH_TOKEN": config.twilio_auth_token,
            "TWILIO_API_BASE_URL": virtual_twilio.api_base_url,
            "PUBLIC_BASE_URL": self.url,
            "INSTANCE_DIR": str(config.instance_dir),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1",
             "--threads", "32", "--bind", f"127.0.0.1:{self.port}", "app:create_app()"],
            env=env, cwd=Path(__file__).resolve().parent.parent,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/login", timeout=5)
                return
            except requests.RequestException:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()) from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start in 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def test_call_on_one_process_is_answered_from_another(config, virtual_twilio):
    services = external_services(config.with_overrides(socketio_message_queue=config.redis_url))
    seed_demo_users(services.db)
    web_a = WebProcess(config, virtual_twilio)
    agent = supervisor = web_b = None
    try:
        web_b = WebProcess(config, virtual_twilio)
        agent = SocketRecorder(web_a.url, "/agent", "chen", "chen-demo")
        supervisor = SocketRecorder(web_b.url, "/supervisor", "sam", "sam-demo")
        agent.wait_for("state")
        agent.emit("set_state", {"state": "available"})
        agent.wait_for("state", lambda s: s["state"] == "available")

        virtual_twilio.base_url = web_b.url  # Twilio's webhooks go to process B
        call = virtual_twilio.place_call("+15005550177", "+15005550001", digits=["1", "2"], talk_seconds=40,
                                         wait_poll_interval=0.2, time_scale=0.02).start()
        offer = agent.wait_for("offer")  # emitted by B, delivered by A
        assert offer["queue"] == "technical"
        supervisor.wait_for("board", lambda b: any(q["waiting"] == 1 for q in b["queues"]))
        agent.emit("accept", {"call_sid": offer["call_sid"], "offer_id": offer["offer_id"]})
        agent.wait_for("call_ended", timeout=20)
        assert call.join(20) and call.status == "completed" and not call.heard_application_error

        # The worker: no web app, it emits through the Redis message queue.
        jobs.bind(services)
        ThreadWorker([services.jobs], connection=services.redis).work(burst=True)
        leaderboard = agent.wait_for("leaderboard", lambda rows: bool(rows))
        with services.db.session() as session:
            chen = session.scalar(select(User.id).where(User.username == "chen"))
        assert leaderboard[0]["agent_id"] == chen and leaderboard[0]["points"] == 10
    finally:
        for client in (agent, supervisor):
            if client is not None:
                client.close()
        for web in (web_a, web_b):
            if web is not None:
                web.stop()
        services.close()
