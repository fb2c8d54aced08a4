"""The token register: every token `lantian token create` issues, so it can be listed and revoked."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from shared.db import UTCDateTime, new_metadata, utcnow
from shared.errors import Conflict, NotFound


class AuthBase(DeclarativeBase):
    """Tables of the shared auth database (its own alembic tree: migrations/auth)."""

    metadata = new_metadata()


class ApiToken(AuthBase):
    __tablename__ = "api_token"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    uscc: Mapped[str | None] = mapped_column(String(18))
    site: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))


def issue_token(
    auth_session: Session,
    secret_key: str,
    *,
    role: str,
    name: str,
    uscc: str | None = None,
    site: str | None = None,
    expires_in: timedelta | None = None,
) -> tuple[ApiToken, str]:
    """Record a new token and return it with its signed form (shown once, never stored)."""
    from shared.auth import encode_token  # auth imports this module's table

    token_id = uuid.uuid4().hex
    now = utcnow()
    signed = encode_token(
        secret_key, role=role, name=name, token_id=token_id, uscc=uscc, site=site, expires_in=expires_in, now=now
    )
    record = ApiToken(
        id=token_id,
        name=name,
        role=role,
        uscc=uscc,
        site=site,
        created_at=now,
        expires_at=now + expires_in if expires_in else None,
    )
    auth_session.add(record)
    return record, signed


def list_tokens(auth_session: Session, include_revoked: bool = False) -> list[ApiToken]:
    """Tokens in the order they were issued."""
    query = select(ApiToken).order_by(ApiToken.created_at, ApiToken.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(auth_session.scalars(query))


def revoke_token(auth_session: Session, token_id: str, reason: str) -> ApiToken:
    """Mark a token revoked; every service refuses it once its revocation cache refreshes."""
    record = auth_session.get(ApiToken, token_id)
    if record is None:
        raise NotFound(f"no token with id {token_id!r}")
    if record.revoked_at is not None:
        raise Conflict(f"token {token_id} was already revoked at {record.revoked_at.isoformat()}")
    record.revoked_at = utcnow()
    record.revoked_reason = reason
    return record
