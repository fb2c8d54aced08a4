"""Log in, log out, the language switch and each role's home page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from console.access import HOME
from console.commands import log_in, record_logout
from console.i18n import LANGUAGES, translate

bp = Blueprint("auth", __name__)

MESSAGES = {
    "bad_credentials": "用户名或密码错误。",
    "locked": "连续登录失败次数过多，账号已暂时锁定，请稍后再试或联系管理员。",
    "disabled": "该账号已停用，请联系管理员。",
}


@bp.get("/")
def home() -> Any:
    """Each role starts on its own main page."""
    if g.user is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME[g.user.role]))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form; on success a new session id (never the one the visitor arrived with)."""
    error = None
    if request.method == "POST":
        outcome = log_in(request.form.get("username", ""), request.form.get("password", ""), request.remote_addr)
        if outcome.user is not None:
            language = session.get("lang")
            session.clear()
            session.rotate = True
            session.user_id = outcome.user.id
            session["lang"] = language or outcome.user.language
            return redirect(_safe_next(request.args.get("next")) or url_for(HOME[outcome.user.role]))
        error = translate(MESSAGES[outcome.reason])
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=request.form.get("username", "")), status


@bp.post("/logout")
def logout() -> Any:
    """End the session now (the row is deleted: the old cookie opens nothing)."""
    if g.user is not None:
        record_logout(g.user)
    session.destroy = True
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def language(code: str) -> Any:
    """Switch the interface language for this session."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host): an open redirect would help phishing."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
