"""Business hours: the schedule, and a closed line taking a voicemail end to end."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from contact_center import customers
from contact_center.exceptions import FlowError
from contact_center.flows import load_flows, parse_flow
from contact_center.hours import is_open, parse_schedule
from contact_center.models import Call, Event
from tests.conftest import LiveServer, free_port

PROJECT_FLOWS = Path(__file__).resolve().parent.parent / "ivr_flows"

SHOP = {
    "timezone": "America/New_York",
    "open": {"mon-fri": "09:00-17:00", "sat": ["10:00-12:00", "13:00-14:00"]},
    "holidays": ["2026-12-25"],
}


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        ("2026-12-03T14:00", True),   # Thu 09:00 New York: opening minute
        ("2026-12-03T13:59", False),  # Thu 08:59
        ("2026-12-03T21:59", True),   # Thu 16:59
        ("2026-12-03T22:00", False),  # Thu 17:00: closing is exclusive
        ("2026-12-05T15:30", True),   # Sat 10:30
        ("2026-12-05T17:30", False),  # Sat 12:30, the lunch gap
        ("2026-12-06T15:00", False),  # Sunday
        ("2026-12-25T15:00", False),  # a holiday on a Friday
        ("2026-07-02T13:30", True),   # Thu 09:30 in summer time (UTC-4)
    ],
)
def test_is_open_in_the_schedules_own_time_zone(utc, expected):
    moment = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert is_open(parse_schedule(SHOP), moment) is expected


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"timezone": "Mars/Olympus"}, "IANA time zone"),
        ({"open": {"funday": "09:00-17:00"}}, "day 'funday'"),
        ({"open": {"fri-mon": "09:00-17:00"}}, "runs backwards"),
        ({"open": {"mon": "9-5"}}, "must look like '09:00-17:00'"),
        ({"open": {"mon": "17:00-09:00"}}, "not a window within one day"),
        ({"holidays": ["Christmas"]}, "holiday 'Christmas'"),
    ],
)
def test_broken_schedule_is_refused_at_load(change, reason):
    node = {"type": "hours", **SHOP, **change, "when_open": "bye", "when_closed": "bye"}
    flow = {"name": "f", "start": "check", "nodes": {"check": node, "bye": {"type": "hangup"}}}
    with pytest.raises(FlowError, match=reason) as excinfo:
        parse_flow("shop.yaml", json.dumps(flow))
    assert "node 'check'" in str(excinfo.value)


def test_two_flows_cannot_answer_one_number(tmp_path, config):
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(
            f"name: {name}\nstart: bye\nnumbers: ['+15550001']\nnodes:\n  bye: {{type: hangup}}\n")
    with pytest.raises(FlowError, match=r"\+15550001 is answered by flow 'a' too"):
        load_flows(tmp_path)


def _shop_flows(tmp_path, holidays: list[str], hours: str) -> Path:
    """The shipped after-hours flow, with today made a holiday (or every hour open)."""
    flows = tmp_path / "flows"
    shutil.copytree(PROJECT_FLOWS, flows)
    path = flows / "after_hours.yaml"
    text = path.read_text().replace('holidays: ["2026-12-25", "2027-01-01"]', f"holidays: {json.dumps(holidays)}")
    path.write_text(text.replace('mon-fri: "09:00-17:00"', f'mon-sun: "{hours}"'))
    return flows


def _shop(config, virtual_twilio, flows) -> LiveServer:
    port = free_port()
    virtual_twilio.base_url = f"http://127.0.0.1:{port}"
    return LiveServer(config.with_overrides(
        port=port, public_base_url=virtual_twilio.base_url, flows_dir=flows,
        twilio_api_base_url=virtual_twilio.api_base_url,
    ))


def test_closed_line_takes_a_voicemail_that_the_next_screen_pop_shows(config, virtual_twilio, tmp_path):
    new_york = datetime.now(ZoneInfo("America/New_York")).date()
    days = [str(new_york - timedelta(days=1)), str(new_york), str(new_york + timedelta(days=1))]
    shop = _shop(config, virtual_twilio, _shop_flows(tmp_path, days, "09:00-17:00"))
    try:
        call = virtual_twilio.place_call("+15005550199", "+15005550002", message_seconds=12, time_scale=0.02).run()
        assert not call.heard_application_error
        assert "beep" in call.played
        assert ("Thank you. We will call you back on the next working day. Goodbye.", "en-US") in call.said
        with shop.services.db.session() as session:
            record = session.scalar(select(Call).where(Call.call_sid == call.call_sid))
            kinds = [e.kind for e in session.scalars(select(Event).where(Event.call_sid == call.call_sid))]
            earlier = customers.history(session, record.customer)
        assert record.flow_name == "after_hours" and record.outcome == "voicemail"
        assert record.voicemail_url.startswith("https://api.twilio.com/") and record.voicemail_seconds == 12
        assert "voicemail_left" in kinds
        assert earlier[0]["voicemail_url"] == record.voicemail_url
        [message] = shop.services.call_center.boards.snapshot()["voicemails"]
        assert (message["phone"], message["seconds"], message["url"]) == ("+15005550199", 12, record.voicemail_url)
    finally:
        shop.stop()


def test_open_line_puts_the_caller_in_line_and_other_numbers_get_the_default_flow(config, virtual_twilio, tmp_path):
    shop = _shop(config, virtual_twilio, _shop_flows(tmp_path, [], "00:00-24:00"))
    try:
        shop_call = virtual_twilio.place_call("+15005550198", "+15005550002", hangup_after_queue_seconds=1,
                                              time_scale=0.02).run()
        other = virtual_twilio.place_call("+15005550197", "+15005550001", digits=["1", "9"], time_scale=0.02).run()
        with shop.services.db.session() as session:
            first = session.scalar(select(Call).where(Call.call_sid == shop_call.call_sid))
            second = session.scalar(select(Call).where(Call.call_sid == other.call_sid))
        assert (first.flow_name, first.queue) == ("after_hours", "billing")
        assert first.ivr_path == ["hours", "welcome", "desk"]
        assert (second.flow_name, second.outcome) == ("support", "ended_in_ivr")
    finally:
        shop.stop()


def test_the_same_flow_routes_by_the_clock(tmp_path):
    from contact_center import ivr
    from contact_center.urls import WebhookUrls

    flow = load_flows(PROJECT_FLOWS)["after_hours"]
    urls = WebhookUrls("https://cc.example.com")
    thursday_10am = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    sunday_10am = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)

    open_step = ivr.enter(flow, flow.start, urls, now=thursday_10am)
    closed_step = ivr.enter(flow, flow.start, urls, now=sunday_10am)

    assert open_step.entered == ["hours", "welcome", "desk"] and open_step.enqueue.queue == "billing"
    assert closed_step.entered == ["hours", "closed"] and closed_step.enqueue is None
    record = ET.fromstring(str(closed_step.twiml)).find("Record")
    assert record.get("action") == "https://cc.example.com/voice/recording?node=closed"
    assert (record.get("maxLength"), record.get("playBeep"), record.get("finishOnKey")) == ("120", "true", "#")
