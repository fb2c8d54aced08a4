"""The four services started privately for a city-day: migrated and seeded throw-away databases (SQLite files
under a temporary directory unless URLs are given), free ports, one gunicorn worker each."""

from __future__ import annotations

import importlib
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.config import SERVICES, Settings, sqlite_url

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_env(tmp: Path, database_urls: dict[str, str], auth_url: str, urls: dict[str, str],
                secret: str) -> dict[str, str]:  # fmt: skip
    """The environment the private services read: none of the caller's LANTIAN_* settings leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANTIAN_", "PROMETHEUS_"))}
    env.update(
        {
            "LANTIAN_SECRET_KEY": secret,
            "LANTIAN_VAR_DIR": str(tmp),
            "LANTIAN_AUTH_DATABASE_URL": auth_url,
            "LANTIAN_REVOCATION_CACHE_SECONDS": "0",
            "LANTIAN_HTTP_RETRIES": "2",
            "LANTIAN_HTTP_TIMEOUT": "60",
        }
    )
    for name, url in database_urls.items():
        env[f"LANTIAN_{name.upper()}_DATABASE_URL"] = url
    for name, url in urls.items():
        env[f"LANTIAN_{name.upper()}_URL"] = url
    return env


def seed_service(name: str, env: dict[str, str]) -> None:
    """Load what the service ships as data (policy rules, reference tables, response rules, targets)."""
    from shared.db import unit_of_work
    from shared.policy import seed_shipped_data

    app = importlib.import_module(name).create_app(Settings.from_env(name, env))
    try:
        with app.app_context(), unit_of_work() as db_session:
            seed_shipped_data(db_session, name)
    finally:
        app.extensions["lantian.db"].dispose()
        app.extensions["lantian.auth_db"].dispose()


@dataclass
class PrivateCity:
    """The four services of one city-day, running until `stop()`."""

    tmp: Path
    env: dict[str, str]
    urls: dict[str, str]
    secret: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def token_for(self, role: str, **scope: Any) -> str:
        """A token of the private secret for a role (scoped to an enterprise or a site if given)."""
        from shared.auth import encode_token

        return encode_token(self.secret, role=role, name=f"city-day {role}", **scope)

    def sync_registry(self) -> None:
        """`lantian gatecontrol sync-vehicles --once` against the private services."""
        run_sync(self.env, self.tmp / "sync.log")

    def log_tail(self, name: str, chars: int = 3000) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        """Stop the services. Everything they were asked is answered by now, so gunicorn's quick shutdown
        (SIGINT) does: a graceful one waits out idle keep-alive connections for up to 20 s."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run_sync(env: dict[str, str], log: Path | None = None) -> None:
    """Drain the vehicles change feed into gatecontrol's replica once (the cron job), in its own process."""
    command = [sys.executable, "-m", "shared.cli", "gatecontrol", "sync-vehicles", "--once"]
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    if log is not None:
        with log.open("a") as out:
            out.write(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"gatecontrol sync-vehicles failed: {done.stdout[-1500:]} {done.stderr[-1500:]}")


def start_private_city(tmp: Path, database_urls: dict[str, str] | None = None, auth_url: str | None = None,
                       secret: str | None = None, ready_timeout: float = 120.0,
                       on_step: Callable[[str], None] = lambda _: None) -> PrivateCity:  # fmt: skip
    """Migrate and seed the four services' databases, start them on free ports and wait until each is ready."""
    from shared.cli import wait_ready
    from shared.migrate import AUTH_TREE, upgrade

    tmp.mkdir(parents=True, exist_ok=True)
    database_urls = database_urls or {name: sqlite_url(tmp / f"{name}.sqlite") for name in SERVICES}
    auth_url = auth_url or sqlite_url(tmp / "auth.sqlite")
    secret = secret or secrets.token_hex(32)
    urls = {name: f"http://127.0.0.1:{free_port()}" for name in SERVICES}
    env = private_env(tmp, database_urls, auth_url, urls, secret)
    on_step("migrating and seeding the databases")
    upgrade(AUTH_TREE, auth_url)
    for name in SERVICES:
        upgrade(name, database_urls[name])
        seed_service(name, env)
    city = PrivateCity(tmp, env, urls, secret)
    on_step("starting " + ", ".join(SERVICES))
    try:
        for name, url in urls.items():
            command = [sys.executable, "-m", "shared.cli", "serve", name, "--port", url.rsplit(":", 1)[1],
                       "--workers", "1"]  # fmt: skip
            log = (tmp / f"{name}.log").open("wb")
            city.processes[name] = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        for name, url in urls.items():
            try:
                wait_ready(url, ready_timeout, city.processes[name].poll, name)
            except Exception as exc:
                raise RuntimeError(f"{exc}: {city.log_tail(name)}") from exc
    except BaseException:
        city.stop()
        raise
    return city
