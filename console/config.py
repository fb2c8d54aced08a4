"""The console's settings, read from the environment (LANTIAN_*), with safe defaults for the embedded run."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from shared.config import DEV_SECRET_KEY, FRONTENDS, SERVICES, ConfigError, check_secret_key, sqlite_url

NAME = "console"
PORT = FRONTENDS[NAME]
DEFAULT_PASSWORD_HASH = "scrypt:32768:8:1"  # werkzeug's own default, written out so a deployment sees it
HASH_METHOD = re.compile(r"^(?:scrypt:(?P<n>\d+):(?P<r>\d+):(?P<p>\d+)|pbkdf2:sha256:(?P<iterations>\d+))$")
# OWASP's password storage floors: scrypt N=2^15 (r=8, p=1) and PBKDF2-HMAC-SHA256 600,000 iterations.
PRODUCTION_FLOOR = {"n": 32768, "iterations": 600_000}


@dataclass(frozen=True)
class ConsoleSettings:
    """Settings of the console web app. Build with `ConsoleSettings.from_env()`; tests build them directly."""

    database_url: str
    secret_key: str = DEV_SECRET_KEY
    environment: str = "development"
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    service_urls: dict[str, str] = field(default_factory=dict)
    var_dir: Path = Path("var")
    testing: bool = False
    # A page must not wait long on a service that is down: short timeout, one retry at most.
    http_timeout: float = 3.0
    http_retries: int = 1
    lockout_failures: int = 5  # failed logins in a row that lock an account
    lockout_minutes: int = 15  # how long it stays locked
    session_hours: int = 8  # a session ends this long after its last use
    # How new passwords are hashed (werkzeug's method string). Stored hashes name their own method, so a change
    # applies to passwords set from then on. Production refuses anything weaker than the default.
    password_hash_method: str = DEFAULT_PASSWORD_HASH
    secure_cookie: bool = True  # the session cookie only travels over HTTPS (loopback counts as secure)
    max_content_length: int = 16 * 1024 * 1024

    service: str = NAME  # so shared helpers that name the caller see "console"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ConsoleSettings:
        """Read the console's settings from the environment (or the mapping given)."""
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("LANTIAN_VAR_DIR", "var"))
        settings = cls(
            database_url=env.get("LANTIAN_CONSOLE_DATABASE_URL") or sqlite_url(var_dir / "console.sqlite"),
            secret_key=env.get("LANTIAN_SECRET_KEY", DEV_SECRET_KEY),
            environment=env.get("LANTIAN_ENV", "development"),
            timezone=env.get("LANTIAN_TIMEZONE", "Asia/Shanghai"),
            log_level=env.get("LANTIAN_LOG_LEVEL", "INFO").upper(),
            service_urls={
                name: env.get(f"LANTIAN_{name.upper()}_URL", f"http://127.0.0.1:{port}")
                for name, port in SERVICES.items()
            },
            var_dir=var_dir,
            http_timeout=_number(env, "LANTIAN_CONSOLE_HTTP_TIMEOUT", 3.0),
            lockout_failures=int(_number(env, "LANTIAN_CONSOLE_LOCKOUT_FAILURES", 5)),
            lockout_minutes=int(_number(env, "LANTIAN_CONSOLE_LOCKOUT_MINUTES", 15)),
            session_hours=int(_number(env, "LANTIAN_CONSOLE_SESSION_HOURS", 8)),
            password_hash_method=env.get("LANTIAN_CONSOLE_PASSWORD_HASH") or DEFAULT_PASSWORD_HASH,
            secure_cookie=env.get("LANTIAN_CONSOLE_SECURE_COOKIE", "1") not in ("0", "false", "no"),
            max_content_length=int(_number(env, "LANTIAN_MAX_CONTENT_LENGTH", 16 * 1024 * 1024)),
        )
        settings.check()
        return settings

    def with_changes(self, **changes: object) -> ConsoleSettings:
        """A copy with some settings replaced (tests use it)."""
        return replace(self, **changes)

    def check(self) -> None:
        """Refuse settings that would be unsafe in production."""
        check_secret_key(self.environment, self.secret_key)
        if self.lockout_failures < 1 or self.lockout_minutes < 1 or self.session_hours < 1:
            raise ConfigError("LANTIAN_CONSOLE_LOCKOUT_FAILURES, _LOCKOUT_MINUTES and _SESSION_HOURS must be >= 1")
        check_password_hash_method(self.environment, self.password_hash_method)

    def ensure_var_dir(self) -> None:
        """Create the directory that holds the SQLite file."""
        if self.database_url.startswith("sqlite") and ":///" in self.database_url:
            Path(self.database_url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)


def check_password_hash_method(environment: str, method: str) -> None:
    """A werkzeug scrypt or PBKDF2-SHA256 method string; in production no weaker than OWASP's floors."""
    match = HASH_METHOD.match(method)
    if match is None:
        raise ConfigError(
            f"LANTIAN_CONSOLE_PASSWORD_HASH must be scrypt:N:r:p or pbkdf2:sha256:ITERATIONS, got {method!r}")
    if environment == "production":
        cost, floor = ("n", PRODUCTION_FLOOR["n"]) if match["n"] else ("iterations", PRODUCTION_FLOOR["iterations"])
        if int(match[cost]) < floor:
            raise ConfigError(f"LANTIAN_CONSOLE_PASSWORD_HASH {method!r} is weaker than production allows "
                              f"({cost} must be >= {floor})")


def _number(env: os._Environ[str] | dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
