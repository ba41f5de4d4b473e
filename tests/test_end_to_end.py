"""The whole main job over real HTTP and Socket.IO, against real Redis.

A caller with an earlier call goes through the IVR, waits in the billing queue,
is offered to an agent whose console shows that earlier call, is accepted and
bridged through the Twilio REST API, talks, hangs up; the call record, the
agent's points and the supervisor's board all follow.
"""

from __future__ import annotations

import queue
import threading
import time
from datetime import timedelta

import pytest
import requests
import socketio
from sqlalchemy import select

from contact_center import jobs
from contact_center.demo import seed_demo_users
from contact_center.models import Call, Customer, User, utcnow
from contact_center.worker import ThreadWorker

CALLER = "+15005550006"


class SocketRecorder:
    """A real Socket.IO client that keeps every event it receives, in order."""

    def __init__(self, base_url: str, namespace: str, username: str, password: str) -> None:
        http = requests.Session()
        response = http.post(f"{base_url}/login", data={"username": username, "password": password},
                             allow_redirects=False)
        assert response.status_code == 302, response.text
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.namespace = namespace
        self.events: queue.Queue = queue.Queue()
        self.seen: list[tuple[str, object]] = []
        self._lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record, namespace=namespace)
        self.client.connect(base_url, namespaces=[namespace], headers={"Cookie": cookie},
                            transports=["polling"], wait_timeout=10)

    def _record(self, event: str, data: object = None) -> None:
        with self._lock:
            self.seen.append((event, data))
        self.events.put((event, data))

    def emit(self, event: str, data: dict) -> None:
        self.client.emit(event, data, namespace=self.namespace)

    def wait_for(self, event: str, predicate=lambda data: True, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                name, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if name == event and predicate(data):
                return data
        raise AssertionError(f"no '{event}' event matching in {timeout}s; saw {[e for e, _ in self.seen]}")

    def close(self) -> None:
        self.client.disconnect()


def _seed_earlier_call(services) -> None:
    with services.db.session() as session:
        alice = session.scalar(select(User).where(User.username == "alice"))
        customer = Customer(phone=CALLER, name="Dana Driver")
        session.add(customer)
        session.add(Call(
            call_sid="CA" + "e" * 32, customer=customer, from_number=CALLER, to_number="+15005550001",
            flow_name="support", flow_version="older", ivr_path=["language", "menu_en", "technical_en"],
            status="completed", outcome="answered", queue="technical", agent_id=alice.id,
            started_at=utcnow() - timedelta(days=3), wait_seconds=42.0, talk_seconds=310.0,
            note="Router reset fixed the line", satisfaction=4,
        ))


def _billing(board: dict) -> dict:
    return next(q for q in board["queues"] if q["name"] == "billing")


def _billing_waiting(board: dict) -> int | None:
    return next((q["waiting"] for q in board["queues"] if q["name"] == "billing"), None)


def test_caller_to_agent_end_to_end(live_server, virtual_twilio):
    services = live_server.services
    seed_demo_users(services.db)
    _seed_earlier_call(services)
    supervisor = SocketRecorder(live_server.url, "/supervisor", "sam", "sam-demo")
    agent = SocketRecorder(live_server.url, "/agent", "alice", "alice-demo")
    try:
        agent.wait_for("state")
        agent.emit("set_state", {"state": "available"})
        agent.wait_for("state", lambda s: s["state"] == "available")

        call = virtual_twilio.place_call(CALLER, "+15005550001", digits=["1", "1", "5"], talk_seconds=60,
                                         wait_poll_interval=0.2, time_scale=0.02).start()
        offer = agent.wait_for("offer")
        assert offer["call_sid"] == call.call_sid
        assert offer["ivr_path"] == ["language", "menu_en", "billing_en"]
        assert offer["customer"]["phone"] == CALLER and offer["customer"]["name"] == "Dana Driver"
        earlier = offer["history"]
        assert [h["note"] for h in earlier] == ["Router reset fixed the line"]
        assert earlier[0]["ivr_path"] == ["language", "menu_en", "technical_en"]
        assert earlier[0]["agent"] == "Alice Archer" and earlier[0]["satisfaction"] == 4
        supervisor.wait_for("board", lambda b: _billing_waiting(b) == 1)

        agent.emit("accept", {"call_sid": call.call_sid, "offer_id": offer["offer_id"]})
        agent.wait_for("call_connected")
        ended = agent.wait_for("call_ended", timeout=20)
        assert ended["talk_seconds"] == 60
        assert call.join(20) and call.status == "completed"
        assert not call.heard_application_error

        # The Twilio REST request that bridged the caller dials Alice's client.
        updates = [r for r in virtual_twilio.api_requests if r.path.endswith(f"/Calls/{call.call_sid}.json")]
        assert len(updates) == 1
        twiml = updates[0].form["Twiml"]
        assert "<Dial" in twiml and "<Client" in twiml and ">agent_alice</Client>" in twiml

        with services.db.session() as session:
            record = session.scalar(select(Call).where(Call.call_sid == call.call_sid))
            alice_id = session.scalar(select(User.id).where(User.username == "alice"))
        assert record.ivr_path == ["language", "menu_en", "billing_en"]
        assert record.outcome == "answered" and record.agent_id == alice_id
        assert record.wait_seconds is not None and record.wait_seconds > 0
        assert record.talk_seconds == 60
        assert record.satisfaction == 5  # the caller's rating after the agent hung up
        assert ("Please rate this call. Press 1 for poor, up to 5 for excellent.", "en-US") in call.said

        # The worker turns the answered call into points, exactly once.
        before = services.leaderboard.points(alice_id)
        jobs.bind(services)
        ThreadWorker([services.jobs], connection=services.redis).work(burst=True)
        assert services.leaderboard.points(alice_id) == before + 10
        agent.wait_for("leaderboard", lambda rows: rows and rows[0]["agent"] == "Alice Archer")

        agent.emit("wrap_up", {"call_sid": call.call_sid, "note": "Explained the invoice"})
        agent.wait_for("state", lambda s: s["state"] == "available")
        supervisor.wait_for("board", lambda b: _billing_waiting(b) == 0)
        final = supervisor.wait_for("board", lambda b: _billing(b)["aht"] is not None)
        billing = _billing(final)
        assert (billing["entered"], billing["answered"], billing["abandoned"]) == (1, 1, 0)
        assert billing["asa"] == pytest.approx(record.wait_seconds, abs=0.05) and billing["service_level"] == 1.0
        assert billing["aht"] >= 60  # talk time plus the wrap-up
        counts = [_billing_waiting(b) for name, b in supervisor.seen if name == "board"]
        assert 1 in counts and counts[-1] == 0 and counts.index(1) < len(counts) - 1
        with services.db.session() as session:
            assert session.scalar(select(Call.note).where(Call.call_sid == call.call_sid)) == "Explained the invoice"
    finally:
        agent.close()
        supervisor.close()
