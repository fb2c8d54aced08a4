"""The `lantian` console script: serve, run, db, policy, token, demo, and each service's own commands."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import requests
from flask import Flask

from shared.config import FRONTENDS, SERVICES, ConfigError, Settings
from shared.db import Database

ALL_SERVICES = tuple(SERVICES)


def load_app(service: str) -> Flask:
    """The service's app, configured from the environment."""
    module = importlib.import_module(service)
    return module.create_app()


def service_settings(service: str) -> Settings:
    try:
        return Settings.from_env(service)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _services_arg(services: tuple[str, ...]) -> tuple[str, ...]:
    return services or ALL_SERVICES


service_choice = click.Choice(ALL_SERVICES)
# The console (a web front end with its own accounts database) is migrated and served like a service.
served_choice = click.Choice((*ALL_SERVICES, *FRONTENDS))


class _ServiceGroups(click.Group):
    """The `lantian` group: each service's own command group is imported only when it is the one invoked, so
    `lantian serve vehicles` does not import the other four services (half of a process's start-up)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.modules = {name: f"{name}.cli" for name in (*ALL_SERVICES, *FRONTENDS)}
        self.modules["report"] = "reports.cli"  # `lantian report monthly ...` reads as well as `lantian reports`

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.modules})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.modules:
            command: click.Command = importlib.import_module(self.modules[cmd_name]).cli
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_ServiceGroups)
@click.version_option(package_name="lantian")
def main() -> None:
    """lantian (蓝天): the transport side of the Blue Sky air-pollution campaign."""


# ---- db ------------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database migrations (one alembic tree per service, plus the shared token register)."""


@db.command("upgrade")
@click.argument("services", nargs=-1, type=served_choice)
def db_upgrade(services: tuple[str, ...]) -> None:
    """Migrate the token register and every service's database and the console's (or the ones named)."""
    from shared.migrate import AUTH_TREE, upgrade

    first = service_settings(ALL_SERVICES[0])
    first.ensure_var_dir()
    upgrade(AUTH_TREE, first.auth_database_url)
    click.echo(f"{AUTH_TREE}: migrated")
    for service in services or (*ALL_SERVICES, *FRONTENDS):
        if service in FRONTENDS:
            console_settings = _console_settings()
            console_settings.ensure_var_dir()
            upgrade(service, console_settings.database_url)
            click.echo(f"{service}: migrated")
            continue
        settings = service_settings(service)
        settings.ensure_var_dir()
        upgrade(service, settings.database_url)
        click.echo(f"{service}: migrated")


def _console_settings() -> Any:
    from console.config import ConsoleSettings

    try:
        return ConsoleSettings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@db.command("current")
def db_current() -> None:
    """Show each database's revision against the code's newest."""
    from shared.migrate import AUTH_TREE, database_heads, script_heads

    first = service_settings(ALL_SERVICES[0])
    trees = [(AUTH_TREE, first.auth_database_url)] + [(s, service_settings(s).database_url) for s in ALL_SERVICES]
    for tree, url in trees:
        database = Database(url)
        try:
            with database.engine.connect() as connection:
                have = database_heads(connection, tree)
        finally:
            database.dispose()
        want = script_heads(tree)
        state = "current" if have == want else f"behind (code has {', '.join(sorted(want))})"
        click.echo(f"{tree}: {', '.join(sorted(have)) or 'empty'} {state}")


# ---- policy rules --------------------------------------------------------------------------------


@main.group()
def policy() -> None:
    """Policy targets, deadlines and thresholds kept as data."""


def seed_policy(services: tuple[str, ...]) -> dict[str, dict[str, dict[str, int]]]:
    """Load each service's shipped data (policy_rules.yaml and reference tables) into its database (idempotent)."""
    from shared.db import unit_of_work
    from shared.policy import seed_shipped_data

    results = {}
    for service in services:
        app = load_app(service)
        with app.app_context(), unit_of_work() as db_session:
            results[service] = seed_shipped_data(db_session, service)
    return results


def _seed_lines(results: dict[str, dict[str, dict[str, int]]]) -> list[str]:
    """'railshift: policy rules 25 added, 0 already there; reference data 3 added, ...' per service."""
    labels = {"unchanged": "already there"}
    return [
        f"{service}: "
        + "; ".join(
            f"{kind} " + ", ".join(f"{n} {labels.get(what, what)}" for what, n in counts.items())
            for kind, counts in parts.items()
        )
        for service, parts in results.items()
        if parts
    ]


@policy.command("seed")
@click.argument("services", nargs=-1, type=service_choice)
def policy_seed(services: tuple[str, ...]) -> None:
    """Load each service's policy_rules.yaml and reference tables (safe to run again)."""
    for line in _seed_lines(seed_policy(_services_arg(services))):
        click.echo(line)


# ---- tokens --------------------------------------------------------------------------------------


@main.group()
def token() -> None:
    """Bearer tokens: create, list, revoke."""


def _auth_database() -> tuple[Settings, Database]:
    settings = service_settings(ALL_SERVICES[0])
    return settings, Database(settings.auth_database_url)


def create_token(
    role: str, name: str, uscc: str | None = None, site: str | None = None, expires_days: int | None = None
) -> tuple[str, str]:
    """Issue and record a token; returns (token id, signed token)."""
    from shared.tokens import issue_token

    settings, database = _auth_database()
    try:
        with database.sessionmaker() as auth_session, auth_session.begin():
            record, signed = issue_token(
                auth_session,
                settings.secret_key,
                role=role,
                name=name,
                uscc=uscc,
                site=site,
                expires_in=timedelta(days=expires_days) if expires_days else None,
            )
            return record.id, signed
    finally:
        database.dispose()


@token.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "environment", "transport", "police", "enterprise", "gate", "service"]),
)
@click.option("--name", required=True, help="who or what holds the token, e.g. 'Zhang Wei, Yaodu police'")
@click.option("--uscc", help="enterprise tokens: the enterprise's unified social credit code")
@click.option("--site", help="gate tokens: the site the gate posts for")
@click.option("--expires-days", type=click.IntRange(min=1), help="days until it expires (default: never)")
def token_create(role: str, name: str, uscc: str | None, site: str | None, expires_days: int | None) -> None:
    """Issue a token and print it (shown once; only its id is kept)."""
    from shared.identifiers import InvalidIdentifier, validate_uscc

    if uscc:
        try:
            uscc = validate_uscc(uscc)
        except InvalidIdentifier as exc:
            raise click.BadParameter(exc.reason, param_hint="--uscc") from exc
    try:
        token_id, signed = create_token(role, name, uscc, site, expires_days)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"# token id {token_id} ({role}, {name})", err=True)
    click.echo(signed)


@token.command("list")
@click.option("--all", "include_revoked", is_flag=True, help="include revoked tokens")
def token_list(include_revoked: bool) -> None:
    """List issued tokens (ids, never the tokens themselves)."""
    from shared.tokens import list_tokens

    _, database = _auth_database()
    try:
        with database.sessionmaker() as auth_session:
            for record in list_tokens(auth_session, include_revoked):
                scope = record.uscc or record.site or ""
                state = f"revoked {record.revoked_at:%Y-%m-%d}" if record.revoked_at else "active"
                click.echo(f"{record.id}  {record.role:<11} {scope:<18} {state:<18} {record.name}")
    finally:
        database.dispose()


@token.command("revoke")
@click.argument("token_id")
@click.option("--reason", required=True, help="why, for the audit trail")
def token_revoke(token_id: str, reason: str) -> None:
    """Revoke a token by id; services refuse it within their revocation cache time."""
    from shared.errors import LantianError
    from shared.tokens import revoke_token

    _, database = _auth_database()
    try:
        with database.sessionmaker() as auth_session, auth_session.begin():
            revoke_token(auth_session, token_id, reason)
    except LantianError as exc:
        raise click.ClickException(exc.detail) from exc
    finally:
        database.dispose()
    click.echo(f"revoked {token_id}")


# ---- demo ----------------------------------------------------------------------------------------


@main.group()
def demo() -> None:
    """A small demo city, so the suite never starts empty."""


@contextmanager
def _answering(app: Flask) -> Iterator[str]:
    """Serve `app` on a free loopback port from a thread for the length of the block; yields its URL. A later
    service's demo reads an earlier one through its API (gatecontrol's replica of the registry), as in production."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"demo-{app.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@demo.command("seed")
def demo_seed() -> None:
    """Load the policy rules, reference tables and each service's demo data (safe to run again)."""
    for line in _seed_lines(seed_policy(ALL_SERVICES)):
        click.echo(line)
    answering: dict[str, str] = {}  # the services seeded so far, served on loopback for the later ones' demos
    with ExitStack() as stack:
        for service in ALL_SERVICES:
            try:
                demo_module = importlib.import_module(f"{service}.demo")
            except ModuleNotFoundError:
                continue
            settings = service_settings(service)
            settings = settings.with_changes(service_urls={**settings.service_urls, **answering})
            app = importlib.import_module(service).create_app(settings)
            with app.app_context():
                click.echo(f"{service}: {demo_module.seed()}")
            answering[service] = stack.enter_context(_answering(app))
    from console import create_app as create_console
    from console.cli import seed_demo_users

    with create_console(_console_settings()).app_context():
        click.echo(f"console: {seed_demo_users()}")


@demo.command("day")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default="2025-12-10", show_default=True,
              help="the city day replayed (Asia/Shanghai)")  # fmt: skip
@click.option("--passages", type=click.IntRange(min=200), default=2000, show_default=True)
@click.option("--vehicles", type=click.IntRange(min=60), default=300, show_default=True)
@click.option("--machines", type=click.IntRange(min=10), default=40, show_default=True)
@click.option("--seed", type=int, default=20251210, show_default=True)
@click.option("--against-running", is_flag=True,
              help="use the services at LANTIAN_*_URL (after `make run`) instead of starting private ones")  # fmt: skip
@click.option("--keep", is_flag=True, help="leave the private services' temporary directory (logs, SQLite files)")
def demo_day(day: Any, passages: int, vehicles: int, machines: int, seed: int, against_running: bool,
             keep: bool) -> None:  # fmt: skip
    """Replay one city-day through the four services (vehicles, machinery, lists, sites, gate traffic with an
    orange alert, an outage's backlog and retries, declarations and review), build the month's report and
    compare every figure it determines with what was sent; exits 1 on any mismatch."""
    from datetime import datetime

    from shared.cityday.cli import run_demo_day
    from shared.cityday.driver import ScenarioError
    from shared.timeutil import zone

    if day.date() >= datetime.now(zone()).date():
        raise click.BadParameter("the day must be over: captures may not be in the future", param_hint="--date")
    try:
        matched = run_demo_day(day.date(), passages, vehicles, machines, seed, against_running, keep, click.echo)
    except ScenarioError as exc:  # a service did not take what was sent as its API promises
        raise click.ClickException(str(exc)) from exc
    if not matched:
        raise SystemExit(1)


# ---- serving -------------------------------------------------------------------------------------


@main.command("serve")
@click.argument("service", type=served_choice)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, help="default: the service's own port (8001-8004; the console 8000)")
@click.option(
    "--workers",
    type=int,
    default=lambda: int(os.environ.get("LANTIAN_WORKERS", "2")),
    show_default="2 (LANTIAN_WORKERS)",
)
def serve(service: str, host: str, port: int | None, workers: int) -> None:
    """Run one service (or the console) under gunicorn."""
    from shared.serving import serve_service

    if service in FRONTENDS:
        from console.serving import serve_console

        _console_settings()  # refuse bad settings here, with a clear message
        serve_console(host, port or FRONTENDS[service], workers)
        return

    settings = service_settings(service)
    serve_service(service, settings, host, port or SERVICES[service], workers)


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--workers", type=int, default=2, show_default=True)
@click.option(
    "--base-port",
    type=click.IntRange(1024, 65000),
    default=8000,
    show_default=True,
    help="services listen on base+1 (vehicles) to base+4 (reports)",
)
@click.option("--ready-timeout", type=float, default=120.0, show_default=True)
def run(host: str, workers: int, base_port: int, ready_timeout: float) -> None:
    """Start all four services and the console, wait until each is ready, print their URLs, an admin token
    and a demo login per role."""
    children: dict[str, subprocess.Popen[bytes]] = {}
    log_dir = Path(os.environ.get("LANTIAN_VAR_DIR", "var")) / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    ports = {service: base_port + index for index, service in enumerate(SERVICES, start=1)}
    env = {**os.environ, **{f"LANTIAN_{s.upper()}_URL": f"http://{host}:{p}" for s, p in ports.items()}}

    def stop(*_: Any) -> None:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        for service, port in ports.items():
            log = (log_dir / f"{service}.log").open("ab")
            command = [sys.executable, "-m", "shared.cli", "serve", service]
            command += ["--host", host, "--port", str(port), "--workers", str(workers)]
            children[service] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        for service, port in ports.items():
            wait_ready(f"http://{host}:{port}", ready_timeout, children[service].poll, service)
        # The console listens on the base port itself (8000) and calls the services on the ports above.
        console_log = (log_dir / "console.log").open("ab")
        command = [sys.executable, "-m", "shared.cli", "serve", "console"]
        command += ["--host", host, "--port", str(base_port), "--workers", str(workers)]
        children["console"] = subprocess.Popen(command, stdout=console_log, stderr=subprocess.STDOUT, env=env)
        wait_ready(f"http://{host}:{base_port}", ready_timeout, children["console"].poll, "console")
        _, admin = create_token("admin", f"lantian run {time.strftime('%Y-%m-%d %H:%M')}", expires_days=30)
        click.echo("lantian is up:")
        for service, port in ports.items():
            click.echo(f"  {service:<12} http://{host}:{port}   docs http://{host}:{port}/docs")
        click.echo(f"logs: {log_dir}/")
        click.echo(f"admin token (30 days):\n{admin}")
        from console.cli import DEMO_USERS

        click.echo(f"console: http://{host}:{base_port}/  demo logins (user name / password):")
        for demo_user in DEMO_USERS:
            click.echo(f"  {demo_user['role']:<12} {demo_user['username']:<10} {demo_user['password']}")
        click.echo("Ctrl-C stops them all.")
        while all(child.poll() is None for child in children.values()):
            time.sleep(1)
        dead = [s for s, c in children.items() if c.poll() is not None]
        raise click.ClickException(f"{', '.join(dead)} stopped; see {log_dir}/")
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        stop()


def wait_ready(base_url: str, timeout: float, exited: Callable[[], int | None], name: str) -> None:
    """Poll /ready until it answers 200; fail fast if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if exited() is not None:
            raise click.ClickException(f"{name} exited during start-up")
        try:
            if requests.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise click.ClickException(f"{name} was not ready at {base_url}/ready within {timeout:.0f}s")


if __name__ == "__main__":
    main()
