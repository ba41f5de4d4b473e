"""Start-up: configuration and the refusal of broken flows."""

from __future__ import annotations

import pytest

from app import create_app
from contact_center.config import DEMO_AUTH_TOKEN, Config
from contact_center.exceptions import FlowError


def test_dangling_transition_refuses_to_start(config, tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "support.yaml").write_text(
        "name: support\nstart: menu\nnodes:\n"
        "  menu:\n    type: menu\n    prompt: Press 1.\n"
        "    options: {'1': nowhere}\n    fallback: menu\n"
    )
    with pytest.raises(FlowError) as excinfo:
        create_app(config.with_overrides(flows_dir=flows))
    message = str(excinfo.value)
    assert str(flows / "support.yaml") in message
    assert "node 'menu'" in message and "'nowhere', which does not exist" in message


def test_missing_default_flow_refuses_to_start(config):
    with pytest.raises(RuntimeError, match="DEFAULT_FLOW 'nope'"):
        create_app(config.with_overrides(default_flow="nope"))


def test_embedded_defaults_need_nothing_but_python(tmp_path):
    config = Config.from_env({"INSTANCE_DIR": str(tmp_path)})
    assert config.redis_url is None and config.database_url.startswith("sqlite:///")
    assert config.twilio_auth_token == DEMO_AUTH_TOKEN
    assert config.twilio_api_base_url == "http://127.0.0.1:5081"
    assert config.embedded_workers and config.seed_demo_data


def test_production_settings_come_from_the_environment():
    config = Config.from_env({
        "DATABASE_URL": "postgres://u:p@db/cc",
        "REDIS_URL": "redis://cache:6379/0",
        "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
        "TWILIO_AUTH_TOKEN": "secret",
        "PUBLIC_BASE_URL": "https://cc.example.com/",
        "SECRET_KEY": "one-key-for-every-process",
    })
    assert config.database_url == "postgresql+psycopg://u:p@db/cc"
    assert config.socketio_message_queue == "redis://cache:6379/0"
    assert config.uses_twilio_cloud and config.public_base_url == "https://cc.example.com"
    assert not config.embedded_workers and not config.seed_demo_data


def test_account_without_token_is_a_loud_error():
    with pytest.raises(RuntimeError, match="TWILIO_AUTH_TOKEN"):
        Config.from_env({"TWILIO_ACCOUNT_SID": "AC" + "a" * 32})


def test_create_user_command_makes_a_user_who_can_log_in(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "dora", "--name", "Dora D", "--skills", "billing  english",
                                 "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    response = client.post("/login", data={"username": "dora", "password": "s3cret-pass"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/console")
    assert client.post("/login", data={"username": "dora", "password": "wrong"}).status_code == 401


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REDIS_URL": "redis://cache:6379/0"}, "SECRET_KEY must be set"),
        ({"TWILIO_ACCOUNT_SID": "AC" + "a" * 32, "TWILIO_AUTH_TOKEN": "t"}, "PUBLIC_BASE_URL must be set"),
    ],
)
def test_production_mistakes_are_loud(env, message):
    with pytest.raises(RuntimeError, match=message):
        Config.from_env(env)


def test_login_cookie_is_not_sent_by_other_sites(app, agents):
    response = app.test_client().post("/login", data={"username": "alice", "password": "alice-demo"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
