"""Pure account rules the tests call without HTTP: user names, passwords, lockout."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from console.models import ConsoleRole
from shared.identifiers import InvalidIdentifier, validate_uscc

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 10


def normalise_username(raw: str) -> str:
    """User names are case-insensitive and compared trimmed (full-width letters are not allowed)."""
    return (raw or "").strip().lower()


def username_problem(username: str) -> str | None:
    """Why a user name cannot be used, or None."""
    if not USERNAME.match(username):
        return "3-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit"
    return None


def password_problem(password: str, username: str) -> str | None:
    """Why a password is too weak, or None (length first: NIST SP 800-63B favours length over composition)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 200:
        return "at most 200 characters"
    if username and username in password.lower():
        return "must not contain the user name"
    return None


def scope_problem(role: str, uscc: str | None) -> tuple[str | None, dict[str, str] | None]:
    """(the normalised credit code, or the field and reason that make the role/credit-code pair wrong)."""
    try:
        ConsoleRole(role)
    except ValueError:
        return None, {"field": "role", "reason": f"must be one of {', '.join(r.value for r in ConsoleRole)}"}
    if role != ConsoleRole.ENTERPRISE:
        return None, None  # only enterprise users are scoped to a credit code
    if not uscc:
        return None, {"field": "uscc", "reason": "an enterprise user needs its enterprise's unified social credit code"}
    try:
        return validate_uscc(uscc), None
    except InvalidIdentifier as exc:
        return None, {"field": "uscc", "reason": exc.reason}


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """Whether an account is locked at `now`."""
    return locked_until is not None and locked_until > now


def after_failure(failed_logins: int, threshold: int, lock_minutes: int, now: datetime) -> tuple[int, datetime | None]:
    """(failures counted, locked until) after one more failed login: the Nth failure in a row locks."""
    failures = failed_logins + 1
    if failures >= threshold:
        return 0, now + timedelta(minutes=lock_minutes)
    return failures, None
