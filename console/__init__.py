"""console: the web pages bureau staff, police and enterprises use (:8000); it owns only accounts and sessions."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from console.config import ConsoleSettings
from shared.db import Database
from shared.errors import LantianError
from shared.logs import init_request_logging

csrf = CSRFProtect()


def create_app(config: ConsoleSettings | None = None) -> Flask:
    """The console's WSGI app, configured from the environment unless settings are given."""
    from console import i18n
    from console.sessions import DatabaseSessionInterface
    from console.views import blueprints

    settings = config or ConsoleSettings.from_env()
    settings.ensure_var_dir()
    app = Flask(__name__)
    app.config.update(
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        # A key of its own derived from the shared one, so form tokens can never be confused with JWTs.
        SECRET_KEY=hmac.new(settings.secret_key.encode(), b"lantian-console", hashlib.sha256).hexdigest(),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the (server-side) session
        WTF_CSRF_SSL_STRICT=False,  # the Referer check breaks behind TLS-terminating proxies; SameSite covers it
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["lantian.settings"] = settings
    database = Database(settings.database_url)
    database.init_app(app)
    app.session_interface = DatabaseSessionInterface(
        database, timedelta(hours=settings.session_hours), settings.secure_cookie and not settings.testing
    )
    init_request_logging(app)
    csrf.init_app(app)
    i18n.init_app(app)

    @app.before_request
    def _load_user() -> None:
        from flask import session

        user = getattr(session, "user", None)
        g.user = user if user is not None and user.disabled_at is None else None

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    _register_errors(app)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready")
    def ready() -> Any:
        from shared.migrate import is_current, script_heads

        try:
            ok = is_current(database.engine, "console", script_heads("console"))
        except Exception:  # any database error means not ready
            ok = False
        return ({"status": "ready"}, 200) if ok else ({"status": "database not migrated or unreachable"}, 503)

    from console.cli import register_cli

    register_cli(app)
    return app


def _register_errors(app: Flask) -> None:
    def page(status: int, title: str, detail: str) -> Any:
        return render_template("error.html", status=status, title=title, detail=detail), status

    @app.errorhandler(LantianError)
    def _lantian(exc: LantianError) -> Any:
        from console.i18n import error_detail

        return page(exc.status, exc.title, error_detail(exc.detail, exc.status, exc.extra.get("service")))

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return page(400, "表单已过期", "表单已过期或来源不明，请返回重新提交。")

    @app.errorhandler(404)
    def _not_found(exc: Any) -> Any:
        return page(404, "页面不存在", request.path)

    @app.errorhandler(405)
    def _method(exc: Any) -> Any:
        return page(405, "不支持的操作", request.method)

    @app.errorhandler(413)
    def _too_large(exc: Any) -> Any:
        return page(413, "文件过大", "上传的文件超过大小上限。")
