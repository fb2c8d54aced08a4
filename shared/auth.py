"""Signed bearer tokens (JWT, HS256) every service verifies with one key; roles and tenant scope."""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import jwt
from flask import Flask, current_app, g, request
from sqlalchemy import select

from shared.db import Database, utcnow
from shared.errors import Forbidden, Unauthorized
from shared.tokens import ApiToken

ISSUER = "lantian"
ALGORITHM = "HS256"

F = TypeVar("F", bound=Callable[..., Any])
# A service's own non-JWT bearer tokens (e.g. gatecontrol's gate keys "lgk_..."): token -> Principal,
# or raise Unauthorized. Registered per app by token prefix; every other token takes the JWT path.
TokenResolver = Callable[[str], "Principal"]
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="lantian"'}


class TokenExpired(Unauthorized):
    code, title = "token-expired", "Token expired"


class TokenRevoked(Unauthorized):
    code, title = "token-revoked", "Token revoked"


class Role(StrEnum):
    """Who a token speaks for."""

    ADMIN = "admin"  # 系统管理员
    ENVIRONMENT = "environment"  # 生态环境局
    TRANSPORT = "transport"  # 交通运输局
    POLICE = "police"  # 公安交管
    ENTERPRISE = "enterprise"  # 企业, scoped to one unified social credit code
    GATE = "gate"  # 门禁系统, scoped to one site
    SERVICE = "service"  # another lantian service


@dataclass(frozen=True)
class Principal:
    """The verified bearer of a request's token."""

    token_id: str
    name: str
    role: Role
    uscc: str | None = None
    site: str | None = None

    def has_role(self, *roles: Role | str) -> bool:
        return self.role == Role.ADMIN or self.role in roles


def encode_token(
    secret_key: str,
    *,
    role: Role | str,
    name: str,
    token_id: str | None = None,
    uscc: str | None = None,
    site: str | None = None,
    expires_in: timedelta | None = None,
    now: datetime | None = None,
) -> str:
    """Sign a token; callers that must be able to revoke it also record it (shared.tokens)."""
    role = Role(role)
    if role == Role.ENTERPRISE and not uscc:
        raise ValueError("an enterprise token needs the enterprise's unified social credit code (uscc)")
    if role == Role.GATE and not site:
        raise ValueError("a gate token needs the site it posts for")
    issued = now or utcnow()
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "jti": token_id or uuid.uuid4().hex,
        "sub": name,
        "role": role.value,
        "iat": int(issued.timestamp()),
    }
    if uscc:
        claims["uscc"] = uscc
    if site:
        claims["site"] = site
    if expires_in is not None:
        claims["exp"] = int((issued + expires_in).timestamp())
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def decode_token(secret_key: str, token: str) -> Principal:
    """Verify signature, issuer and expiry; raise Unauthorized saying what is wrong."""
    principal, expires = _verified_token(secret_key, token)
    if expires is not None and expires <= time.time():
        # the check PyJWT made when the token was first verified, made again for every later request
        raise TokenExpired("the token has expired; ask for a new one", headers=BEARER_CHALLENGE)
    return principal


@functools.lru_cache(maxsize=4096)
def _verified_token(secret_key: str, token: str) -> tuple[Principal, float | None]:
    """A token's Principal and expiry, verified once per process: the same bytes under the same key always verify
    the same way, and only expiry changes with time (decode_token checks it on every use). Failures are not
    cached. A client sends the same token for hours, so this saves the HMAC and JSON work of every request."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["jti", "sub", "role", "iat"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired("the token has expired; ask for a new one", headers=BEARER_CHALLENGE) from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"the token is not valid: {exc}", headers=BEARER_CHALLENGE) from exc
    try:
        role = Role(claims["role"])
    except ValueError as exc:
        raise Unauthorized(f"the token names an unknown role {claims['role']!r}", headers=BEARER_CHALLENGE) from exc
    expires = int(claims["exp"]) if "exp" in claims else None  # PyJWT has checked that it is an integer
    return Principal(claims["jti"], claims["sub"], role, claims.get("uscc"), claims.get("site")), expires


class RevocationList:
    """Ids of revoked tokens, read from the auth database and cached for a few seconds per process."""

    def __init__(self, auth_db: Database, max_age_seconds: float) -> None:
        self.auth_db = auth_db
        self.max_age = max_age_seconds
        self._ids: frozenset[str] = frozenset()
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def is_revoked(self, token_id: str) -> bool:
        if time.monotonic() - self._loaded_at >= self.max_age:
            with self._lock:
                if time.monotonic() - self._loaded_at >= self.max_age:
                    with self.auth_db.sessionmaker() as auth_session:
                        query = select(ApiToken.id).where(ApiToken.revoked_at.is_not(None))
                        self._ids = frozenset(auth_session.scalars(query))
                    self._loaded_at = time.monotonic()
        return token_id in self._ids


def init_auth(app: Flask, auth_db: Database, secret_key: str, cache_seconds: float) -> None:
    """Authenticate every /api/ request before any view runs: no endpoint is public by accident."""
    app.extensions["lantian.auth"] = {
        "secret_key": secret_key,
        "revocations": RevocationList(auth_db, cache_seconds),
        "auth_db": auth_db,
        "resolvers": {},
    }

    @app.before_request
    def _authenticate() -> None:
        if request.path.startswith("/api/"):
            g.principal = authenticate_request()


def register_token_resolver(app: Flask, prefix: str, resolver: TokenResolver) -> None:
    """Let a service verify its own bearer tokens that start with `prefix` (never a JWT: those start 'eyJ')."""
    if not prefix or "eyJ".startswith(prefix[:3]):
        raise ValueError(f"token prefix {prefix!r} could be mistaken for a JWT")
    app.extensions["lantian.auth"]["resolvers"][prefix] = resolver


def authenticate_request() -> Principal:
    """The Principal behind the request's bearer token, or Unauthorized."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized("send a bearer token: 'Authorization: Bearer <token>'", headers=BEARER_CHALLENGE)
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'", headers=BEARER_CHALLENGE)
    auth = current_app.extensions["lantian.auth"]
    token = token.strip()
    for prefix, resolver in auth.get("resolvers", {}).items():
        if token.startswith(prefix):
            return resolver(token)
    principal = decode_token(auth["secret_key"], token)
    if auth["revocations"].is_revoked(principal.token_id):
        raise TokenRevoked("the token has been revoked", headers=BEARER_CHALLENGE)
    return principal


def current_principal() -> Principal:
    """The authenticated caller of this request."""
    principal = g.get("principal")
    if principal is None:
        principal = g.principal = authenticate_request()
    return principal


def check_role(allowed: tuple[Role, ...]) -> None:
    """403 unless the caller has one of these roles (admin always)."""
    principal = current_principal()
    if not principal.has_role(*allowed):
        names = ", ".join(r.value for r in allowed)
        raise Forbidden(f"role {principal.role.value!r} may not do this; allowed: admin, {names}")


def require_role(*roles: Role | str) -> Callable[[F], F]:
    """Allow the view to the given roles (admin always); 403 for any other authenticated caller. The app checks
    this before it reads the request's arguments (shared.api.check_role_first); the wrapper keeps a view safe
    however it is called."""
    allowed = tuple(Role(r) for r in roles)

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check_role(allowed)
            return view(*args, **kwargs)

        wrapper.__lantian_roles__ = allowed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
