"""Account commands: log in (with lockout), create users, reset passwords, disable; each owns its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from console import daos, rules
from console.models import User
from shared.db import unit_of_work, utcnow
from shared.errors import Conflict, NotFound, ValidationFailed


@cache
def _dummy_hash(method: str) -> str:
    """Checked against when the user name is unknown, so a wrong name costs as long as a wrong password."""
    return generate_password_hash("lantian-no-such-user", method=method)


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    reason: str  # ok, bad_credentials, locked, disabled


def _settings():  # type: ignore[no-untyped-def]
    return current_app.extensions["lantian.settings"]


def _hash(password: str) -> str:
    return generate_password_hash(password, method=_settings().password_hash_method)


def log_in(raw_username: str, password: str, remote_addr: str | None) -> LoginOutcome:
    """Check a user name and password; count failures, lock after the configured number in a row."""
    settings = _settings()
    username = rules.normalise_username(raw_username)
    now = utcnow()
    with unit_of_work() as db_session:
        user = daos.user_by_name(db_session, username)
        if user is None:
            check_password_hash(_dummy_hash(settings.password_hash_method), password)
            daos.add_attempt(db_session, username, False, "unknown_user", remote_addr)
            return LoginOutcome(None, "bad_credentials")
        if user.disabled_at is not None:
            daos.add_attempt(db_session, username, False, "disabled", remote_addr)
            return LoginOutcome(None, "disabled")
        if rules.is_locked(user.locked_until, now):
            daos.add_attempt(db_session, username, False, "locked", remote_addr)
            return LoginOutcome(None, "locked")
        if not check_password_hash(user.password_hash, password):
            user.failed_logins, user.locked_until = rules.after_failure(
                user.failed_logins, settings.lockout_failures, settings.lockout_minutes, now)
            daos.add_attempt(db_session, username, False, "bad_password", remote_addr)
            if user.locked_until is not None:
                daos.add_audit(db_session, None, "user.locked", username,
                               f"{settings.lockout_failures} failed logins in a row")
                return LoginOutcome(None, "locked")
            return LoginOutcome(None, "bad_credentials")
        user.failed_logins, user.locked_until = 0, None
        daos.add_attempt(db_session, username, True, "ok", remote_addr)
        daos.purge_expired_sessions(db_session, now)
        return LoginOutcome(user, "ok")


def create_user(actor: User | None, form: dict[str, str]) -> User:
    """Create an account (admin); 422 naming each bad field, 409 when the user name is taken."""
    username = rules.normalise_username(form.get("username", ""))
    role = (form.get("role") or "").strip()
    errors = []
    if problem := rules.username_problem(username):
        errors.append({"field": "username", "reason": problem})
    if problem := rules.password_problem(form.get("password", ""), username):
        errors.append({"field": "password", "reason": problem})
    display_name = (form.get("display_name") or "").strip()
    if not display_name or len(display_name) > 200:
        errors.append({"field": "display_name", "reason": "1-200 characters"})
    uscc, scope_error = rules.scope_problem(role, (form.get("uscc") or "").strip() or None)
    if scope_error:
        errors.append(scope_error)
    if errors:
        raise ValidationFailed("the user was not created", errors=errors)
    with unit_of_work() as db_session:
        if daos.user_by_name(db_session, username) is not None:
            raise Conflict(f"the user name {username!r} is taken",
                           errors=[{"field": "username", "reason": "already taken"}])
        user = User(username=username, display_name=display_name, role=role, uscc=uscc,
                    password_hash=_hash(form["password"]), language=form.get("language") or "zh",
                    created_by=actor.username if actor else "lantian")
        db_session.add(user)
        daos.add_audit(db_session, actor, "user.created", username, f"role={role}" + (f" uscc={uscc}" if uscc else ""))
    return user


def reset_password(actor: User, user_id: int, password: str) -> User:
    """Set a new password (admin), clear the lockout and end the user's sessions."""
    with unit_of_work() as db_session:
        user = db_session.get(User, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}")
        if problem := rules.password_problem(password, user.username):
            raise ValidationFailed("the password was not changed", errors=[{"field": "password", "reason": problem}])
        user.password_hash = _hash(password)
        user.password_changed_at = utcnow()
        user.failed_logins, user.locked_until = 0, None
        daos.end_sessions_of(db_session, user.id)
        daos.add_audit(db_session, actor, "user.password_reset", user.username)
    return user


def set_disabled(actor: User, user_id: int, disabled: bool) -> User:
    """Disable (ending every session at once) or re-enable an account (admin). Repeating it changes nothing."""
    with unit_of_work() as db_session:
        user = db_session.get(User, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}")
        if user.id == actor.id and disabled:
            raise Conflict("you cannot disable your own account", errors=[{"field": "user", "reason": "yourself"}])
        if (user.disabled_at is not None) == disabled:
            return user
        user.disabled_at = utcnow() if disabled else None
        if disabled:
            daos.end_sessions_of(db_session, user.id)
        daos.add_audit(db_session, actor, "user.disabled" if disabled else "user.enabled", user.username)
    return user


def record_logout(user: User) -> None:
    """Audit a logout (the session row itself is deleted by the session interface)."""
    with unit_of_work() as db_session:
        daos.add_audit(db_session, user, "user.logged_out", user.username)
