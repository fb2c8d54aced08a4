"""Queries of the console's own tables; they take a session and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from console.models import AuditEntry, LoginAttempt, User, UserSession
from shared.db import utcnow


def user_by_name(db_session: Session, username: str) -> User | None:
    return db_session.scalar(select(User).where(User.username == username))


def users(db_session: Session) -> Sequence[User]:
    return db_session.scalars(select(User).order_by(User.role, User.username)).all()


def audit_entries(db_session: Session, limit: int = 200, before_id: int | None = None) -> Sequence[AuditEntry]:
    """The newest audit entries first (keyset on id)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return db_session.scalars(query).all()


def add_audit(db_session: Session, actor: User | None, action: str, subject: str, detail: str | None = None) -> None:
    db_session.add(AuditEntry(actor=actor.username if actor else "-", actor_role=actor.role if actor else "-",
                              action=action, subject=subject, detail=detail))


def add_attempt(db_session: Session, username: str, success: bool, reason: str, remote_addr: str | None) -> None:
    db_session.add(LoginAttempt(username=username[:64], success=success, reason=reason, remote_addr=remote_addr))


def end_sessions_of(db_session: Session, user_id: int) -> None:
    """Log a user out everywhere (password reset, disabled account)."""
    db_session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def purge_expired_sessions(db_session: Session, now: datetime | None = None) -> None:
    db_session.execute(delete(UserSession).where(UserSession.expires_at <= (now or utcnow())))
