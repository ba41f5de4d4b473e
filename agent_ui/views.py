"""Login and the two pages. The pages get their data over Socket.IO."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from agent_ui.auth import authenticate, current_user, login_required
from contact_center.models import User

blueprint = Blueprint(
    "agent_ui",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/ui/static",
)


@blueprint.app_context_processor
def inject_user() -> dict:
    return {"current_user": current_user()}


def _home_for(user: User) -> str:
    return url_for("agent_ui.board" if user.is_supervisor else "agent_ui.console")


@blueprint.get("/")
def index() -> ResponseReturnValue:
    user = current_user()
    return redirect(_home_for(user) if user else url_for("agent_ui.login"))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("login.html", error=None)
    username = request.form.get("username", "").strip()
    user = authenticate(username, request.form.get("password", ""))
    if user is None:
        return render_template("login.html", error="Wrong username or password.", username=username), 401
    session.clear()
    session["user_id"] = user.id
    return redirect(_home_for(user))


@blueprint.get("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    return redirect(url_for("agent_ui.login"))


@blueprint.get("/console")
@login_required("agent")
def console() -> ResponseReturnValue:
    return render_template("console.html")


@blueprint.get("/board")
@login_required("supervisor")
def board() -> ResponseReturnValue:
    return render_template("board.html")
