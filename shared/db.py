"""Database engines and sessions: one database per service, SQLite (WAL) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Constraint names that are the same on SQLite and PostgreSQL, so alembic can alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 15_000
# A pooled PostgreSQL connection idle longer than this is pinged before use (a restart while idle is
# then invisible to callers); busier ones are not, since a ping per checkout is a round trip per request.
IDLE_PING_SECONDS = 5.0


def new_metadata() -> MetaData:
    """A MetaData for one service's tables, with the shared naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back aware (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; lantian stores aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and write-ahead transactions."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _tune_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, **kwargs)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine) -> None:
    # Recovery from a database restart: an idle connection is pinged here and replaced if dead (the
    # pool retries the checkout); a busy one that died fails its statement, SQLAlchemy sees the
    # disconnect and invalidates the whole pool, and the request answers 503 with Retry-After
    # (shared.errors), so the next request gets fresh connections.
    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, connection_record: Any) -> None:
        connection_record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
        idle_since = connection_record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            # autocommit for the ping, so it leaves no transaction open behind it
            autocommit, dbapi_connection.autocommit = dbapi_connection.autocommit, True
            try:
                dbapi_connection.execute("SELECT 1")
            finally:
                dbapi_connection.autocommit = autocommit
        except Exception as exc:
            raise DisconnectionError("pooled connection is dead; reconnecting") from exc


def _tune_sqlite(engine: Engine) -> None:
    # SQLAlchemy's documented recipe: let SQLAlchemy emit BEGIN itself. BEGIN IMMEDIATE takes the
    # write lock up front, so two gunicorn workers never deadlock upgrading a read to a write.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # not in autocommit: there SQLAlchemy never commits, so an explicit BEGIN would roll every write back
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One service's engine and session factory, bound to a Flask app as `app.extensions['lantian.db']`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = self._shares_disconnects(make_engine(url))
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self._autocommit_engines: dict[tuple[tuple[str, str], ...], Engine] = {}

    def _shares_disconnects(self, engine: Engine) -> Engine:
        # A lost connection means the database went away (a restart): SQLAlchemy renews the pool whose statement
        # failed, and this renews the others, so the one request that saw it answers 503 and the next succeeds
        # whichever pool it draws from.
        engine.update_execution_options(lantian_connection_lost=self.connection_lost)

        @event.listens_for(engine, "handle_error")
        def _on_error(context: Any) -> None:
            if context.is_disconnect:
                self.connection_lost()

        return engine

    def connection_lost(self) -> None:
        """Renew every pool of this database: their idle connections died with the one that failed."""
        for engine in (self.engine, *self._autocommit_engines.values()):
            engine.dispose()

    def init_app(self, app: Flask) -> None:
        app.extensions["lantian.db"] = self
        app.teardown_appcontext(_close_session)

    def autocommit_engine(self, settings: Mapping[str, str]) -> Engine | None:
        """Autocommit connections with these PostgreSQL settings (PostgreSQL only, else None).

        A pool of its own per set of settings, so a setting never leaks to a connection used for anything else.
        """
        if self.engine.dialect.name != "postgresql":
            return None
        key = tuple(sorted(settings.items()))
        engine = self._autocommit_engines.get(key)
        if engine is None:
            options = " ".join(f"-c {name}={value}" for name, value in key)
            engine = self._autocommit_engines[key] = self._shares_disconnects(make_engine(
                self.url, isolation_level="AUTOCOMMIT", connect_args={"options": options} if options else {}
            ))
        return engine

    def dispose(self) -> None:
        self.engine.dispose()
        for engine in self._autocommit_engines.values():
            engine.dispose()


def database() -> Database:
    """The current app's Database."""
    return current_app.extensions["lantian.db"]


def session() -> Session:
    """The session of the current app context (one per request or CLI command)."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """The one transaction a command runs in: committed at the end, rolled back on any error."""
    db_session = session()
    try:
        yield db_session
        db_session.commit()
    except BaseException:
        db_session.rollback()
        raise


@contextmanager
def autocommit_session(*, settings: Mapping[str, str] | None = None) -> Iterator[Session]:
    """A session on a connection of its own in autocommit mode: each statement commits by itself.

    For commands whose every write is one statement (atomic alone): on PostgreSQL it saves the BEGIN and
    COMMIT round trips a transaction costs. Not for work that must see its own earlier writes roll back.
    Every commit waits for the WAL flush, as any other. `settings` are PostgreSQL settings of the connection
    (its own pool: e.g. plan_cache_mode for a hot prepared statement); ignored on SQLite.
    """
    with autocommit_connection(settings=settings) as connection, Session(bind=connection) as db_session:
        yield db_session


@contextmanager
def autocommit_connection(*, settings: Mapping[str, str] | None = None) -> Iterator[Connection]:
    """autocommit_session's connection without a Session around it, for Core statements only (a Session costs
    a hot request a tenth of a millisecond)."""
    db = database()
    own_pool = db.autocommit_engine(settings or {})
    if own_pool is not None:
        connection = own_pool.connect()  # autocommit already: no isolation level to set and reset per use
    else:
        connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with connection:
        yield connection


def driver_execute(
    db: Session | Connection, sql: str, params: Mapping[str, Any], *, rows: bool = True
) -> list[Any]:
    """Run `sql` (the driver's own parameter style) straight on the DBAPI cursor of `db`'s connection, prepared
    server-side (psycopg); its rows as plain tuples if `rows`, else [].

    For a hot statement run many times a second: SQLAlchemy's compiling, parameter and result processing cost
    more than the look-up itself (bench/vehicles_check.py). The caller gives values the driver takes as they are
    and reads values as the driver returns them. Errors come out as SQLAlchemy's (driver_errors).
    """
    connection = db if isinstance(db, Connection) else db.connection()
    with driver_errors(connection, sql, params):
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if connection.dialect.name == "postgresql":
                cursor.execute(sql, params, prepare=True)
            else:
                cursor.execute(sql, params)
            return cursor.fetchall() if rows else []
        finally:
            cursor.close()


@contextmanager
def driver_errors(connection: Connection, statement: str, params: Any = None) -> Iterator[None]:
    """Raise the driver's errors of work done straight on `connection`'s DBAPI connection (a prepared statement,
    a COPY) as SQLAlchemy raises them from any other statement: a lost connection is invalidated (the pool renews
    it) and answered 503 by shared.errors, a unique violation is an IntegrityError, and so on."""
    dialect = connection.dialect
    dbapi_connection = connection.connection.dbapi_connection
    try:
        yield
    except dialect.loaded_dbapi.Error as exc:
        invalidated = dialect.is_disconnect(exc, dbapi_connection, None)
        if invalidated:
            connection.invalidate(exc)
            if lost := connection.get_execution_options().get("lantian_connection_lost"):
                lost()
        raise DBAPIError.instance(statement, params, exc, dialect.loaded_dbapi.Error,
                                  connection_invalidated=invalidated, dialect=dialect) from exc
