"""Probing: voicemail webhooks arriving in the orders and shapes Twilio really sends."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from contact_center.models import Call, Event
from tests.conftest import TwilioSigner, call_params

PROJECT_FLOWS = Path(__file__).resolve().parent.parent / "ivr_flows"
BOX = "+15005550077"
MAILBOX = f"""
name: mailbox
start: box
numbers: ["{BOX}"]
nodes:
  box:
    type: voicemail
    prompt: "Leave a message after the tone."
    thanks: "Thanks, bye."
"""
REC = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef"


@pytest.fixture
def shop(config, tmp_path):
    flows = tmp_path / "flows"
    shutil.copytree(PROJECT_FLOWS, flows)
    (flows / "mailbox.yaml").write_text(MAILBOX)
    app = create_app(config.with_overrides(flows_dir=flows))
    yield app, app.extensions["contact_center"], TwilioSigner(app.test_client(), config)
    app.extensions["contact_center"].db.engine.dispose()


def _call(services, sid):
    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == sid))
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.call_sid == sid))]
        return call.status, call.outcome, call.voicemail_url, kinds


def test_caller_hanging_up_mid_message_status_callback_first_still_voicemail(shop):
    """Caller hangs up while recording: Twilio posts the <Record action> (Digits=hangup,
    CallStatus=completed) and the status callback independently; the status callback may
    land first (or the action is retried after it). The message must still count."""
    _, services, twilio = shop
    sid = "CAvm_status_first"
    twilio.post("/voice/incoming", call_params(sid, To=BOX, Called=BOX))
    done = call_params(sid, To=BOX, Called=BOX, CallStatus="completed")
    assert twilio.post("/voice/status", {**done, "CallDuration": "40"}).status_code == 204
    answer = twilio.post("/voice/recording?node=box", {
        **done, "RecordingUrl": REC, "RecordingSid": "RE0123456789abcdef0123456789abcdef",
        "RecordingDuration": "31", "Digits": "hangup",
    })
    assert answer.status_code == 200
    status, outcome, url, kinds = _call(services, sid)
    assert url == REC
    assert outcome == "voicemail", f"message kept but outcome is {outcome!r}"


def test_voicemail_on_board_after_late_action(shop):
    _, services, twilio = shop
    sid = "CAvm_board"
    twilio.post("/voice/incoming", call_params(sid, To=BOX, Called=BOX))
    done = call_params(sid, To=BOX, Called=BOX, CallStatus="completed")
    twilio.post("/voice/status", {**done, "CallDuration": "40"})
    twilio.post("/voice/recording?node=box", {**done, "RecordingUrl": REC, "RecordingDuration": "31",
                                               "Digits": "hangup"})
    [message] = services.call_center.boards.snapshot()["voicemails"]
    assert message["url"] == REC
    # The event log is append-only: the end is not rewritten, the message is added after it.
    with services.db.session() as session:
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.call_sid == sid).order_by(Event.id))]
        outcome = session.scalar(select(Call.outcome).where(Call.call_sid == sid))
    assert kinds[-2:] == ["ended_in_ivr", "voicemail_left"] and outcome == "voicemail"


def test_recording_for_an_unknown_call_does_not_tell_the_caller_we_cannot_take_the_call(shop):
    """A <Record action> for a call we have no record of (a DB restored from backup, a
    call from before a data loss): the caller has just left a message. Answering with the
    apology ("we cannot take your call right now, call again later") tells them it was lost."""
    _, services, twilio = shop
    answer = twilio.post("/voice/recording?node=box", {
        **call_params("CAnever_seen", To=BOX, Called=BOX, CallStatus="in-progress"),
        "RecordingUrl": REC, "RecordingDuration": "12", "Digits": "#",
    })
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert "cannot take your call" not in body, body
