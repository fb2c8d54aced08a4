"""Server-side sessions: the cookie holds an opaque random id, the session table holds the data.

Logging out or disabling an account deletes the rows, so it takes effect on the very next request.
A visitor who has not logged in gets no row: what such a session holds (the login form's CSRF token, the
language) travels in a signed cookie instead, so anonymous requests (a flood of GET /login) write nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, Request, Response, g
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from werkzeug.datastructures import CallbackDict

from console.models import UserSession
from shared.db import Database, utcnow

COOKIE_NAME = "lantian_console"
ANONYMOUS_LIFETIME = timedelta(hours=1)
# An anonymous session's cookie: this prefix, then the signed data. Ids never contain a dot, so the two
# kinds of cookie cannot be mistaken for one another.
ANONYMOUS_PREFIX = "anon."
MAX_ANONYMOUS_COOKIE = 2000


def hash_id(session_id: str) -> str:
    """What the table stores: a leaked table gives no usable cookie."""
    return hashlib.sha256(session_id.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):  # type: ignore[misc]
    """A session dict that knows its id and whether it changed."""

    def __init__(self, initial: dict[str, Any] | None = None, session_id: str | None = None,
                 user_id: int | None = None) -> None:
        def on_update(_: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.session_id = session_id
        self.user_id = user_id
        self.user: Any = None
        self.modified = False
        self.rotate = False  # a new id on login, so a planted id never becomes a logged-in one
        self.destroy = False


class DatabaseSessionInterface(SessionInterface):
    """Flask's session, kept in the console database."""

    def __init__(self, database: Database, lifetime: timedelta, secure: bool) -> None:
        self.database = database
        self.lifetime = lifetime
        self.secure = secure

    @staticmethod
    def _signer(app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(str(app.secret_key), salt="lantian-console-anonymous-session")

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(COOKIE_NAME)
        if session_id and session_id.startswith(ANONYMOUS_PREFIX) and len(session_id) <= MAX_ANONYMOUS_COOKIE:
            try:
                data = self._signer(app).loads(session_id[len(ANONYMOUS_PREFIX):],
                                               max_age=int(ANONYMOUS_LIFETIME.total_seconds()))
            except BadSignature:  # forged, or older than an hour: start afresh
                return ServerSession()
            return ServerSession(data if isinstance(data, dict) else {})
        if not session_id or len(session_id) > 100:
            return ServerSession()
        with self.database.sessionmaker() as db_session:
            row = db_session.scalar(select(UserSession).where(UserSession.id_hash == hash_id(session_id)))
            if row is None or row.expires_at <= utcnow():
                return ServerSession()
            session = ServerSession(dict(row.data or {}), session_id, row.user_id)
            session.user = row.user
            # Sliding expiry, written at most once a minute rather than on every page.
            if row.expires_at - utcnow() < self.lifetime - timedelta(minutes=1):
                row.expires_at = utcnow() + self.lifetime
                db_session.commit()
            return session

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        cookie = {"httponly": True, "samesite": "Lax", "secure": self.secure, "path": "/"}
        if session.destroy:
            if session.session_id:
                self._delete(session.session_id)
            response.delete_cookie(COOKIE_NAME, **cookie)
            return
        if not session.modified and not session.rotate:
            return
        if session.user_id is None and session.session_id is None:
            # Not logged in: the data goes back in a signed cookie, no row is written.
            value = ANONYMOUS_PREFIX + self._signer(app).dumps(dict(session))
            response.set_cookie(COOKIE_NAME, value, max_age=int(ANONYMOUS_LIFETIME.total_seconds()), **cookie)
            return
        # SQLite takes its write lock at BEGIN: end the request's own read transaction before writing here.
        request_db_session = g.pop("db_session", None)
        if request_db_session is not None:
            request_db_session.close()
        if session.rotate and session.session_id:
            self._delete(session.session_id)
            session.session_id = None
        new = session.session_id is None
        if new:
            session.session_id = secrets.token_urlsafe(32)
        with self.database.sessionmaker() as db_session, db_session.begin():
            row = None if new else db_session.get(UserSession, hash_id(session.session_id))
            if row is None:
                row = UserSession(id_hash=hash_id(session.session_id))
                db_session.add(row)
            row.data = dict(session)
            row.user_id = session.user_id
            # A visitor who never logs in only needs the login form's token: keep that row an hour at most.
            row.expires_at = utcnow() + (self.lifetime if session.user_id else min(self.lifetime, ANONYMOUS_LIFETIME))
        if new:
            response.set_cookie(COOKIE_NAME, session.session_id, max_age=int(self.lifetime.total_seconds()),
                                **cookie)

    def _delete(self, session_id: str) -> None:
        with self.database.sessionmaker() as db_session, db_session.begin():
            db_session.execute(delete(UserSession).where(UserSession.id_hash == hash_id(session_id)))
