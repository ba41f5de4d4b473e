"""Probing tests: things a contact center meets in its first week of traffic."""

from __future__ import annotations

import io
import threading
import time
import xml.etree.ElementTree as ET

from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder, run_wsgi_app

from contact_center import customers
from contact_center.models import Call
from tests.conftest import TwilioSigner, agent_console, call_params, walk_to_billing

# -- the screen pop ------------------------------------------------------------------


def test_withheld_numbers_do_not_share_one_customer_history(twilio, services, agents, offers):
    """Callers with a withheld number all arrive as From=anonymous. The agent's
    screen pop must not show one stranger's calls and notes to the next."""
    with services.db.session() as session:
        customer = customers.get_or_create(session, "anonymous")
        session.add(Call(call_sid="CAfirst", customer=customer, from_number="anonymous",
                         flow_name="support", flow_version="v", status="completed",
                         outcome="answered", note="Card ending 4242 blocked, DOB 1970-01-01"))
    services.call_center.agent_online(agents["alice"])
    services.call_center.set_agent_state(agents["alice"], "available")

    walk_to_billing(twilio, "CAsecond", caller="anonymous")

    [offer] = offers
    assert offer["call_sid"] == "CAsecond"
    assert offer["history"] == [], "a withheld-number caller is shown another caller's history"


# -- two first-time calls from one number at once ----------------------------------------


def test_two_first_calls_from_one_new_number_are_both_answered(app, config, services, monkeypatch):
    """A company switchboard (one caller ID) rings twice within a second. Both
    callers must hear the IVR, not the apology."""
    barrier = threading.Barrier(2, timeout=5)
    original = customers.get_or_create

    def get_or_create_in_step(session, phone):
        # Both requests reach the new number's lookup at the same moment, as
        # two gunicorn threads do.
        barrier.wait()
        return original(session, phone)

    monkeypatch.setattr(customers, "get_or_create", get_or_create_in_step)
    answers: dict[str, bytes] = {}

    def ring(sid):
        answers[sid] = TwilioSigner(app.test_client(), config).post(
            "/voice/incoming", call_params(sid, caller="+15005550123")).data

    threads = [threading.Thread(target=ring, args=(sid,)) for sid in ("CAline1", "CAline2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    for sid, body in answers.items():
        assert ET.fromstring(body).find("Gather") is not None, f"{sid} heard: {body!r}"
    with services.db.session() as session:
        assert session.scalar(select(func.count(Call.id))) == 2


# -- the agent console -----------------------------------------------------------------


def test_closing_a_second_console_tab_does_not_take_the_agent_offline(app, services, agents):
    """Alice has the console open in two tabs (or her socket reconnected before
    the old one timed out). The old connection going away must not silently
    stop her calls while a console is still connected."""
    first = agent_console(app, "alice")
    second = agent_console(app, "alice")
    second.emit("set_state", {"state": "available"}, namespace="/agent")
    assert services.router.agent(agents["alice"])["state"] == "available"

    first.disconnect(namespace="/agent")

    assert second.is_connected("/agent")
    assert services.router.agent(agents["alice"])["state"] == "available"


# -- unauthenticated traffic -------------------------------------------------------------


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes that counts how much the server reads."""

    def __init__(self, size: int) -> None:
        self.size, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"a" * n
        self.read_bytes += n
        return n


def test_huge_unsigned_body_is_refused_before_it_is_read(app):
    """Anyone can POST to /voice/*; a 64 MB form must be refused (413/403)
    without the server reading it all into memory first."""
    size = 64 * 1024 * 1024
    stream = CountingStream(size)
    environ = EnvironBuilder(
        path="/voice/incoming", method="POST",
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": "forged"},
    ).get_environ()
    environ.update({"wsgi.input": stream, "CONTENT_LENGTH": str(size)})
    _body, status, _headers = run_wsgi_app(app, environ, buffered=True)
    assert int(status.split()[0]) in (403, 413)
    assert stream.read_bytes < 2 * 1024 * 1024, f"read {stream.read_bytes} bytes of an unsigned request"


def test_an_agent_whose_console_went_quiet_goes_offline(app, services, agents):
    console = agent_console(app, "alice")
    console.emit("set_state", {"state": "available"}, namespace="/agent")
    assert services.call_center.sweep_consoles() == []  # the console is alive

    services.router.clock = lambda: time.time() + 200  # minutes without a heartbeat
    assert services.call_center.sweep_consoles() == [agents["alice"]]
    assert services.router.agent(agents["alice"])["state"] == "offline"


def test_the_consoles_heartbeat_keeps_it_counted(app, services, agents):
    console = agent_console(app, "alice")
    console.emit("set_state", {"state": "available"}, namespace="/agent")
    start = time.time()
    services.router.clock = lambda: start + 100
    console.emit("alive", namespace="/agent")
    services.router.clock = lambda: start + 200  # 200 s after connecting, 100 after the heartbeat

    assert services.call_center.sweep_consoles() == []
    assert services.router.agent(agents["alice"])["state"] == "available"
