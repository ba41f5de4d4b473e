"""The app factory: wires configuration, extensions, blueprints and namespaces.

``python app.py`` runs the whole contact center on embedded defaults; see
``contact_center.web.server``.
"""

from __future__ import annotations

from flask import Flask

from agent_ui import AgentNamespace, SupervisorNamespace
from agent_ui import blueprint as agent_ui_blueprint
from contact_center.config import Config
from contact_center.services import build_services
from contact_center.web.commands import blueprint as commands_blueprint
from contact_center.web.extensions import socketio
from contact_center.web.webhooks import blueprint as voice_blueprint


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__, instance_path=str(config.instance_dir))
    app.config.update(
        SECRET_KEY=config.secret_key,
        TESTING=config.testing,
        # Twilio's webhooks are a few kB; refuse big bodies before reading them.
        MAX_CONTENT_LENGTH=256 * 1024,
        # The session is the agent's login: no other site may send it along.
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.public_base_url.startswith("https://"),
    )
    register_services(app, config)
    register_socketio(app, config)
    register_blueprints(app)
    return app


def register_services(app: Flask, config: Config) -> None:
    app.extensions["contact_center"] = build_services(config, emit=socketio.emit)


def register_socketio(app: Flask, config: Config) -> None:
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=config.socketio_message_queue,
    )
    socketio.on_namespace(AgentNamespace())
    socketio.on_namespace(SupervisorNamespace())


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(voice_blueprint)
    app.register_blueprint(agent_ui_blueprint)
    app.register_blueprint(commands_blueprint)


if __name__ == "__main__":
    from contact_center.web.server import main

    main(create_app)
