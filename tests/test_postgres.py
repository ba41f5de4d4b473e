"""The production path: the same call through the webhooks, on PostgreSQL.

Runs when ``TEST_DATABASE_URL`` names a PostgreSQL database (``./dev test``
sets it when one answers locally); otherwise it says it was skipped.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from app import create_app
from contact_center.config import _database_url
from contact_center.db import Database
from contact_center.models import Call, Event
from tests.conftest import TwilioSigner, call_params

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_config(config):
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    url = _database_url(raw, config.instance_dir)
    db = Database(url)
    db.drop_all()
    db.engine.dispose()
    yield config.with_overrides(database_url=url)
    db = Database(url)
    db.drop_all()
    db.engine.dispose()


def test_a_call_is_recorded_on_postgresql(pg_config):
    app = create_app(pg_config)
    services = app.extensions["contact_center"]
    assert services.db.engine.dialect.name == "postgresql"
    twilio = TwilioSigner(app.test_client(), pg_config)
    twilio.post("/voice/incoming", call_params("CApg"))
    live = call_params("CApg", CallStatus="in-progress")
    twilio.post("/voice/step?node=language&attempt=1&visit=0", {**live, "Digits": "2"})
    twilio.post("/voice/step?node=menu_ru&attempt=1&visit=1", {**live, "Digits": "2"})
    twilio.post("/voice/status", call_params("CApg", CallStatus="completed", CallDuration="9"))
    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == "CApg"))
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.call_sid == "CApg").order_by(Event.id))]
    assert call.ivr_path == ["language", "menu_ru", "technical_ru"]
    assert (call.queue, call.skills, call.outcome) == ("technical", "technical russian", "abandoned")
    assert kinds[0] == "call_started" and kinds[-1] == "abandoned" and "enqueued" in kinds
    services.db.engine.dispose()
