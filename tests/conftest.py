"""Fixture chain: backend -> config -> app -> db -> client / as_role. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import click
import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, delete

from shared.auth import encode_token
from shared.cli import wait_ready
from shared.config import SERVICES, Settings, sqlite_url
from shared.db import Database, unit_of_work
from shared.migrate import AUTH_TREE, upgrade
from shared.policy import seed_shipped_data

BACKENDS = ("sqlite", "postgresql")
POSTGRES_ADMIN_URL = os.environ.get("LANTIAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
T = TypeVar("T")
TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"
REPO = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=[*BACKENDS, "all"],
        default="all",
        help="run the database-backed tests on this backend only (default: both)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = config.getoption("--db")
    if wanted == "all":
        return
    keep, drop = [], []
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("backend")
        (drop if backend and backend != wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# ---- throw-away databases ------------------------------------------------------------------------


class Databases:
    """Creates throw-away databases on one backend and drops them all at the end of the session."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        self.tmp = tmp
        self.created: list[str] = []
        self.prefix = f"lantian_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    def new(self, label: str) -> str:
        """A URL of a new, empty database."""
        name = f"{self.prefix}_{label}_{len(self.created)}"
        self.created.append(name)
        if self.backend == "sqlite":
            return sqlite_url(self.tmp / f"{name}.sqlite")
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
        return f"{base}/{name}"

    def drop_all(self) -> None:
        if self.backend != "postgresql":
            return
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            for name in self.created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _require_postgres() -> None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        pytest.exit(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc}).\n"
            "Start it (Debian: pg_ctlcluster --skip-systemctl-redirect 15 main start), or set "
            "LANTIAN_TEST_POSTGRES_URL, or run only SQLite with --db sqlite. The test command "
            "(make test) starts the local cluster itself.",
            returncode=3,
        )


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database engine a test runs on."""
    if request.param == "postgresql":
        _require_postgres()
    return request.param


class Keeper:
    """What a worker makes once per backend and keeps to the end of its session: the token register, services
    running with demo data. A session fixture parametrised by backend would not do: pytest tears down a
    parametrised higher-scoped fixture whenever the parameter changes, and each test module runs SQLite then
    PostgreSQL, so such a fixture was made again for every module."""

    def __init__(self, stack: ExitStack, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.stack = stack
        self.tmp_path_factory = tmp_path_factory
        self.made: dict[tuple[str, ...], Any] = {}

    def get(self, key: tuple[str, ...], make: Callable[[], AbstractContextManager[T]]) -> T:
        """The thing `make` gives for `key`, made the first time it is asked for and closed at the session's end."""
        if key not in self.made:
            self.made[key] = self.stack.enter_context(make())
        return self.made[key]

    def databases(self, backend: str) -> Databases:
        """Throw-away databases that live as long as the session (those of a module go with the module)."""
        return self.get(("databases", backend), lambda: _databases(backend, self.tmp_path_factory))


@contextmanager
def _databases(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(backend, tmp_path_factory.mktemp(f"db-{backend}"))
    try:
        yield dbs
    finally:
        dbs.drop_all()


@pytest.fixture(scope="session")
def keeper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keeper]:
    with ExitStack() as stack:
        yield Keeper(stack, tmp_path_factory)


@pytest.fixture(scope="module")
def databases(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """The module's throw-away databases on the current backend, dropped at its end."""
    with _databases(backend, tmp_path_factory) as dbs:
        yield dbs


@pytest.fixture(scope="module")
def auth_database_url(backend: str, keeper: Keeper) -> str:
    """The shared token register, migrated, one per backend for the session."""

    @contextmanager
    def make() -> Iterator[str]:
        url = keeper.databases(backend).new("auth")
        upgrade(AUTH_TREE, url)
        yield url

    return keeper.get(("auth", backend), make)


# ---- one service -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service() -> str:
    """The service a test module is about; each tests/<service>/conftest.py overrides it."""
    return "vehicles"


def make_settings(service: str, database_url: str, auth_database_url: str, tmp: Path, **changes: Any) -> Settings:
    """Settings of a service for a test (fast revocation, no retries unless asked)."""
    settings = Settings(
        service=service,
        database_url=database_url,
        auth_database_url=auth_database_url,
        secret_key=TEST_SECRET,
        var_dir=tmp,
        testing=True,
        revocation_cache_seconds=0,
        http_timeout=5.0,
        http_retries=1,
        service_urls={name: f"http://127.0.0.1:{port}" for name, port in SERVICES.items()},
    )
    return settings.with_changes(**changes)


@pytest.fixture(scope="module")
def config(
    service: str, databases: Databases, auth_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """A fresh, migrated database for the module's service on the current backend."""
    return make_settings(service, migrated(databases, service), auth_database_url, tmp_path_factory.mktemp(service))


@pytest.fixture(scope="module")
def app(service: str, config: Settings) -> Iterator[Flask]:
    module = __import__(service)
    flask_app = module.create_app(config)
    yield flask_app
    flask_app.extensions["lantian.db"].dispose()
    flask_app.extensions["lantian.auth_db"].dispose()


def _empty_tables(database: Database, metadata: MetaData) -> None:
    with database.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(delete(table))


@pytest.fixture
def db(app: Flask, service: str) -> Iterator[Database]:
    """The service's database; every table is emptied after the test (servers in other processes
    must see committed rows, so a rolled-back outer transaction would not do)."""
    database = app.extensions["lantian.db"]
    yield database
    _empty_tables(database, __import__(f"{service}.models", fromlist=["Base"]).Base.metadata)


@pytest.fixture
def client(app: Flask, db: Database) -> FlaskClient:
    return app.test_client()


class RoleClient:
    """A test client that sends a bearer token of one role with every request."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def open(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.open("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.open("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.open("DELETE", path, **kwargs)


def make_token(role: str, name: str | None = None, **scope: Any) -> str:
    """A signed token of the test key (not recorded in the register)."""
    return encode_token(TEST_SECRET, role=role, name=name or f"test {role}", **scope)


@pytest.fixture
def as_role(client: FlaskClient) -> Callable[..., RoleClient]:
    """as_role("police") -> a client acting as that role; scope with uscc=... or site=..."""

    def make(role: str, **scope: Any) -> RoleClient:
        return RoleClient(client, make_token(role, **scope))

    return make


# ---- real services in other processes ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_url() -> str:
    """A URL nobody listens on: a service that is down (calls to it are refused at once)."""
    return f"http://127.0.0.1:{free_port()}"


class RunningService:
    """A real service under gunicorn, in its own process, on a free port."""

    def __init__(self, name: str, log: Path, workers: int = 1) -> None:
        self.name = name
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "serve", self.name, "--port", str(self.port), "--workers",
             str(self.workers)],
            env=env,
            cwd=REPO,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        assert self.process is not None, "start() first"
        try:
            wait_ready(self.url, timeout, self.process.poll, self.name)
        except click.ClickException as exc:
            raise RuntimeError(f"{exc.message}: {self.log.read_text()[-3000:]}") from exc

    def request_ids(self) -> set[str]:
        """The request ids in the service's JSON log lines so far (gunicorn's own lines are not JSON)."""
        ids = set()
        for line in self.log.read_text().splitlines():
            with suppress(ValueError):
                ids.add(json.loads(line).get("request_id"))
        return ids - {None}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def service_env(tmp: Path, database_urls: dict[str, str], auth_url: str, urls: dict[str, str]) -> dict[str, str]:
    """The environment a service process reads, pointed at the test databases."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANTIAN_", "PROMETHEUS_"))}
    env.update(
        {
            "LANTIAN_SECRET_KEY": TEST_SECRET,
            "LANTIAN_VAR_DIR": str(tmp),
            "LANTIAN_AUTH_DATABASE_URL": auth_url,
            "LANTIAN_REVOCATION_CACHE_SECONDS": "0",
            "LANTIAN_HTTP_RETRIES": "1",
            "LANTIAN_HTTP_TIMEOUT": "5",
        }
    )
    for name, url in database_urls.items():
        env[f"LANTIAN_{name.upper()}_DATABASE_URL"] = url
    for name, url in urls.items():
        env[f"LANTIAN_{name.upper()}_URL"] = url
    return env


def migrated(databases: Databases, name: str) -> str:
    """A fresh database of service `name`, migrated to the head of its tree."""
    url = databases.new(name)
    upgrade(name, url)
    return url


def seed_in_app(name: str, url: str, auth_url: str, tmp: Path, seed: Callable[[], None]) -> None:
    """Run `seed` in an app context of service `name` on the database `url`, then let the app's pools go."""
    app = importlib.import_module(name).create_app(make_settings(name, url, auth_url, tmp))
    try:
        with app.app_context():
            seed()
    finally:
        app.extensions["lantian.db"].dispose()
        app.extensions["lantian.auth_db"].dispose()


def seed_shipped(name: str, url: str, auth_url: str, tmp: Path) -> None:
    """Load what service `name` ships as data (policy rules, reference tables), as `lantian policy seed` does."""

    def seed() -> None:
        with unit_of_work() as db_session:
            seed_shipped_data(db_session, name)

    seed_in_app(name, url, auth_url, tmp, seed)


@contextmanager
def running_services(
    tmp: Path,
    database_urls: Mapping[str, str],
    auth_url: str,
    *,
    elsewhere: Mapping[str, str] | None = None,
    closed: Iterable[str] = (),
    workers: int = 1,
) -> Iterator[dict[str, RunningService]]:
    """The services of `database_urls` running for real on free ports until the end of the block. Each is told
    the others' URLs (they call each other as in production), those of `elsewhere`, and a closed port for each
    service in `closed` (calls to it fail as when it is down). Each runs `workers` gunicorn workers."""
    services = {name: RunningService(name, tmp / f"{name}.log", workers) for name in database_urls}
    urls = {name: closed_port_url() for name in closed} | dict(elsewhere or {})
    env = service_env(tmp, dict(database_urls), auth_url, urls | {n: s.url for n, s in services.items()})
    try:
        for running in services.values():
            running.start(env)
        for running in services.values():
            running.wait_ready()
        yield services
    finally:
        for running in services.values():
            running.stop()


@pytest.fixture(scope="module")
def start_services(
    databases: Databases, auth_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., dict[str, RunningService]]]:
    """start_services("vehicles", ...) -> the named services running for real, migrated, on free ports."""
    with ExitStack() as stack:

        def start(*names: str) -> dict[str, RunningService]:
            urls = {name: migrated(databases, name) for name in names}
            return stack.enter_context(running_services(tmp_path_factory.mktemp("services"), urls, auth_database_url))

        yield start
