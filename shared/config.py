"""Settings read from the environment (LANTIAN_*), with safe defaults for the embedded SQLite run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

SERVICES: dict[str, int] = {"vehicles": 8001, "gatecontrol": 8002, "railshift": 8003, "reports": 8004}
"""Every service and its default port."""

FRONTENDS: dict[str, int] = {"console": 8000}
"""Web front ends for people (not API services: no bearer tokens, no /api/v1) and their default ports."""

# The signing key used when none is configured: fine for a laptop demo, refused in production.
DEV_SECRET_KEY = "lantian-dev-key-change-me-0123456789abcdef"

# Every environment variable the suite reads; the compose test checks docker/ sets only these.
ENV_VARS: tuple[str, ...] = (
    "LANTIAN_ENV",
    "LANTIAN_VAR_DIR",
    "LANTIAN_SECRET_KEY",
    "LANTIAN_AUTH_DATABASE_URL",
    "LANTIAN_TIMEZONE",
    "LANTIAN_LOG_LEVEL",
    "LANTIAN_MAX_CONTENT_LENGTH",
    "LANTIAN_HTTP_TIMEOUT",
    "LANTIAN_HTTP_RETRIES",
    "LANTIAN_REVOCATION_CACHE_SECONDS",
    *(f"LANTIAN_{name.upper()}_DATABASE_URL" for name in SERVICES),
    *(f"LANTIAN_{name.upper()}_URL" for name in SERVICES),
    "LANTIAN_WORKERS",
    "PROMETHEUS_MULTIPROC_DIR",
    # gatecontrol: retention (months; never below the legal minimum in its policy data), video storage, gates
    "LANTIAN_VIDEO_RETENTION_MONTHS",
    "LANTIAN_LEDGER_RETENTION_MONTHS",
    "LANTIAN_VIDEO_STORAGE_URL",
    "LANTIAN_S3_ENDPOINT_URL",
    "LANTIAN_GATE_SILENT_MINUTES",
    # vehicles: an import job silent this long (no batch committed) is shown as interrupted
    "LANTIAN_IMPORT_STALE_MINUTES",
    # reports: the city (GB/T 2260 code) whose monthly report 'area=city' means
    "LANTIAN_CITY_CODE",
    # console: its own database (accounts, sessions, audit), lockout, session length, cookie, page timeout
    "LANTIAN_CONSOLE_DATABASE_URL",
    "LANTIAN_CONSOLE_LOCKOUT_FAILURES",
    "LANTIAN_CONSOLE_LOCKOUT_MINUTES",
    "LANTIAN_CONSOLE_SESSION_HOURS",
    "LANTIAN_CONSOLE_SECURE_COOKIE",
    "LANTIAN_CONSOLE_HTTP_TIMEOUT",
)


class ConfigError(RuntimeError):
    """A setting is missing or unusable; the message says which and how to fix it."""


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite+pysqlite:///{path.resolve()}"


def check_secret_key(environment: str, secret_key: str) -> None:
    """The token signing key: never the development key in production, and at least 32 characters."""
    if environment == "production" and secret_key == DEV_SECRET_KEY:
        raise ConfigError("LANTIAN_SECRET_KEY must be set in production (LANTIAN_ENV=production)")
    if len(secret_key) < 32:
        raise ConfigError("LANTIAN_SECRET_KEY must be at least 32 characters")


@dataclass(frozen=True)
class Settings:
    """One service's settings. Build with `Settings.from_env(service)`; tests build them directly."""

    service: str
    database_url: str
    auth_database_url: str
    secret_key: str = DEV_SECRET_KEY
    environment: str = "development"
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    max_content_length: int = 16 * 1024 * 1024
    http_timeout: float = 10.0
    http_retries: int = 3
    revocation_cache_seconds: float = 10.0
    service_urls: dict[str, str] = field(default_factory=dict)
    var_dir: Path = Path("var")
    testing: bool = False
    video_retention_months: int | None = None  # None: the legal minimum from policy data
    ledger_retention_months: int | None = None
    video_storage_url: str | None = None  # a directory (default <var>/video) or s3://bucket/prefix
    s3_endpoint_url: str | None = None  # S3-compatible server; credentials from the usual AWS_* variables
    gate_silent_minutes: int = 60
    import_stale_minutes: int = 10  # vehicles: a running import with no heartbeat this long is interrupted
    city_code: str = "141000"  # 临汾市: the city the reports cover; its districts are the report areas

    @classmethod
    def from_env(cls, service: str, environ: dict[str, str] | None = None) -> Settings:
        """Read the settings of `service` from the environment (or the mapping given)."""
        if service not in SERVICES:
            raise ConfigError(f"unknown service {service!r}; known: {', '.join(SERVICES)}")
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("LANTIAN_VAR_DIR", "var"))
        settings = cls(
            service=service,
            database_url=env.get(f"LANTIAN_{service.upper()}_DATABASE_URL")
            or sqlite_url(var_dir / f"{service}.sqlite"),
            auth_database_url=env.get("LANTIAN_AUTH_DATABASE_URL") or sqlite_url(var_dir / "auth.sqlite"),
            secret_key=env.get("LANTIAN_SECRET_KEY", DEV_SECRET_KEY),
            environment=env.get("LANTIAN_ENV", "development"),
            timezone=env.get("LANTIAN_TIMEZONE", "Asia/Shanghai"),
            log_level=env.get("LANTIAN_LOG_LEVEL", "INFO").upper(),
            max_content_length=_int(env, "LANTIAN_MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
            http_timeout=_float(env, "LANTIAN_HTTP_TIMEOUT", 10.0),
            http_retries=_int(env, "LANTIAN_HTTP_RETRIES", 3),
            revocation_cache_seconds=_float(env, "LANTIAN_REVOCATION_CACHE_SECONDS", 10.0),
            service_urls={
                name: env.get(f"LANTIAN_{name.upper()}_URL", f"http://127.0.0.1:{port}")
                for name, port in SERVICES.items()
            },
            var_dir=var_dir,
            video_retention_months=_int(env, "LANTIAN_VIDEO_RETENTION_MONTHS", 0) or None,
            ledger_retention_months=_int(env, "LANTIAN_LEDGER_RETENTION_MONTHS", 0) or None,
            video_storage_url=env.get("LANTIAN_VIDEO_STORAGE_URL") or None,
            s3_endpoint_url=env.get("LANTIAN_S3_ENDPOINT_URL") or None,
            gate_silent_minutes=_int(env, "LANTIAN_GATE_SILENT_MINUTES", 60),
            import_stale_minutes=_int(env, "LANTIAN_IMPORT_STALE_MINUTES", 10),
            city_code=env.get("LANTIAN_CITY_CODE") or "141000",
        )
        settings.check()
        return settings

    def with_changes(self, **changes: object) -> Settings:
        """A copy with some settings replaced (tests use it)."""
        return replace(self, **changes)

    def check(self) -> None:
        """Refuse settings that would be unsafe in production."""
        check_secret_key(self.environment, self.secret_key)

    def ensure_var_dir(self) -> None:
        """Create the directory that holds the SQLite files and other local state."""
        for url in (self.database_url, self.auth_database_url):
            if url.startswith("sqlite") and ":///" in url:
                Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)


def _int(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(env: os._Environ[str] | dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
