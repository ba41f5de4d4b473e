"""Twilio webhooks over HTTP: signatures, retries, faults and flow versions."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select, text

from app import create_app
from contact_center.models import Call, Event
from tests.conftest import TwilioSigner, call_params, walk_to_billing


def _counts(services) -> tuple[int, int]:
    with services.db.session() as session:
        return (
            session.scalar(select(func.count(Call.id))),
            session.scalar(select(func.count(Event.id))),
        )


def _call(services, call_sid: str) -> Call:
    with services.db.session() as session:
        return session.scalar(select(Call).where(Call.call_sid == call_sid))


@pytest.mark.parametrize(
    "path",
    ["/voice/incoming", "/voice/step?node=language&attempt=1&visit=0", "/voice/wait",
     "/voice/queue-result", "/voice/status", "/voice/dial-result?agent=1",
     "/voice/agent-leg?call=CA1&agent=1", "/voice/fallback"],
)
def test_forged_signature_is_refused_and_changes_nothing(twilio, services, path):
    response = twilio.post(path, call_params("CAforged", Digits="1"), signature="bm90IGEgc2lnbmF0dXJl")
    assert response.status_code == 403
    assert _counts(services) == (0, 0)
    assert services.router.snapshot()["queues"] == []


def test_missing_signature_is_refused(client, services):
    response = client.post("/voice/incoming", data=call_params("CAnosig"))
    assert response.status_code == 403
    assert _counts(services) == (0, 0)


def test_signature_over_other_parameters_is_refused(twilio, services, config):
    signed_for = twilio.validator.compute_signature(
        config.public_base_url + "/voice/incoming", call_params("CAother")
    )
    response = twilio.post("/voice/incoming", call_params("CAtampered"), signature=signed_for)
    assert response.status_code == 403


def test_replayed_incoming_call_gives_same_answer_and_records_once(twilio, services):
    first = twilio.post("/voice/incoming", call_params("CAreplay"))
    counts = _counts(services)
    again = twilio.post("/voice/incoming", call_params("CAreplay"))
    assert again.status_code == 200 and again.data == first.data
    assert _counts(services) == counts == (1, 2)  # call_started + entered 'language'


def test_first_webhook_resent_with_other_parameters_creates_no_second_call(twilio, services):
    twilio.post("/voice/incoming", call_params("CAtwice"))
    twilio.post("/voice/incoming", call_params("CAtwice", CallToken="a-new-token"))
    assert _counts(services)[0] == 1


def test_replayed_menu_choice_enqueues_once(twilio, services):
    walk_to_billing(twilio, "CAonce")
    counts = _counts(services)
    live = call_params("CAonce", CallStatus="in-progress", Digits="1")
    again = twilio.post("/voice/step?node=menu_en&attempt=1&visit=1", live)
    assert ET.fromstring(again.data).find("Enqueue").text == "billing"
    assert _counts(services) == counts
    queues = services.router.snapshot()["queues"]
    assert queues == [{"name": "billing", "waiting": 1, "oldest_enqueued_at": queues[0]["oldest_enqueued_at"]}]
    assert _call(services, "CAonce").ivr_path == ["language", "menu_en", "billing_en"]


def test_replayed_status_callback_completes_once(twilio, services):
    walk_to_billing(twilio, "CAdone")
    done = call_params("CAdone", CallStatus="completed", CallDuration="12", SequenceNumber="3")
    assert twilio.post("/voice/status", done).status_code == 204
    counts = _counts(services)
    assert twilio.post("/voice/status", done).status_code == 204
    assert _counts(services) == counts
    call = _call(services, "CAdone")
    assert call.outcome == "abandoned" and call.wait_seconds is not None
    assert services.router.snapshot()["queues"][0]["waiting"] == 0


def test_caller_hanging_up_in_the_ivr_is_recorded(twilio, services):
    twilio.post("/voice/incoming", call_params("CAivr"))
    twilio.post("/voice/status", call_params("CAivr", CallStatus="completed", CallDuration="4"))
    call = _call(services, "CAivr")
    assert (call.status, call.outcome, call.queue) == ("completed", "ended_in_ivr", None)


def test_internal_fault_answers_graceful_twiml_not_an_error(twilio, services):
    twilio.post("/voice/incoming", call_params("CAfault"))
    with services.db.engine.begin() as conn:  # the database loses its calls table
        conn.execute(text("DROP TABLE calls"))
    response = twilio.post(
        "/voice/step?node=language&attempt=1&visit=0", call_params("CAfault", CallStatus="in-progress", Digits="1")
    )
    assert response.status_code == 200
    document = ET.fromstring(response.data)
    assert [child.tag for child in document] == ["Say", "Hangup"]
    assert "sorry" in document.find("Say").text.lower()


def test_fault_while_on_hold_keeps_the_caller_waiting(twilio, services):
    response = twilio.post("/voice/wait", call_params("CAunknown", CallStatus="in-progress", QueuePosition="1"))
    assert response.status_code == 200
    assert [child.tag for child in ET.fromstring(response.data)] == ["Pause"]


def test_unknown_node_in_step_url_does_not_drop_the_call(twilio, services):
    twilio.post("/voice/incoming", call_params("CAodd"))
    response = twilio.post("/voice/step?node=nowhere&attempt=1", call_params("CAodd", Digits="1"))
    assert response.status_code == 200
    assert ET.fromstring(response.data).find("Say") is not None


def test_live_call_keeps_its_flow_version_after_a_redeploy(config, tmp_path):
    flows_v2 = tmp_path / "flows_v2"
    shutil.copytree(config.flows_dir, flows_v2)
    yaml_path = flows_v2 / "support.yaml"
    yaml_path.write_text(yaml_path.read_text().replace('"1": billing_en', '"1": technical_en'))

    before = create_app(config)
    TwilioSigner(before.test_client(), config).post("/voice/incoming", call_params("CAold"))

    after = create_app(config.with_overrides(flows_dir=flows_v2))
    twilio = TwilioSigner(after.test_client(), config)
    for sid in ("CAold", "CAnew"):
        if sid == "CAnew":
            twilio.post("/voice/incoming", call_params(sid))
        live = call_params(sid, CallStatus="in-progress")
        twilio.post("/voice/step?node=language&attempt=1&visit=0", {**live, "Digits": "1"})
        twilio.post("/voice/step?node=menu_en&attempt=1&visit=1", {**live, "Digits": "1"})

    services = after.extensions["contact_center"]
    old, new = _call(services, "CAold"), _call(services, "CAnew")
    assert old.flow_version != new.flow_version
    assert (old.queue, new.queue) == ("billing", "technical")


def test_two_copies_of_the_first_webhook_at_once_both_hear_the_menu(app, config, services):
    import threading

    from tests.conftest import TwilioSigner

    answers: list[bytes] = []
    barrier = threading.Barrier(2)

    def ring(token: str) -> None:
        barrier.wait()
        signer = TwilioSigner(app.test_client(), config)
        response = signer.post("/voice/incoming", call_params("CAtwin", CallToken=token))
        answers.append(response.data)

    threads = [threading.Thread(target=ring, args=(token,)) for token in ("first", "retry")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(answers) == 2 and all(ET.fromstring(a).find("Gather") is not None for a in answers)
    assert _counts(services)[0] == 1
