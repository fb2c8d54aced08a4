"""Queries and bulk writes of the passage ledger (idempotency keys, COPY, one-statement claims); never commit."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

import orjson
import psycopg
from sqlalchemy import Boolean, Date, Numeric, String, TextClause, and_, bindparam, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gatecontrol.daos.dialect import dialect_insert
from gatecontrol.daos.registry import RegistryGuard
from gatecontrol.models import Passage, PassageKey
from shared.db import UTCDateTime, driver_errors, driver_execute
from shared.timeutil import to_utc

PASSAGE_COLUMNS = [c.key for c in Passage.__table__.columns]


def claim_passage_keys(db_session: Session, site_id: str, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert idempotency keys; returns the event_ids that were new (the rest were stored before)."""
    if not rows:
        return set()
    if db_session.get_bind().dialect.name == "postgresql":
        if len(rows) >= COPY_FROM_ROWS and _copy_new_keys(db_session, site_id, rows):
            return {r["event_id"] for r in rows}
        # one statement over three columns: one round trip and one plan, whatever the batch size. Each column
        # goes as one newline-joined text (event ids and hex fingerprints hold no newline: ID and the hash
        # say so) that the server splits: dumping three arrays of 1,000 values cost ~7 µs of CPU a row.
        events = "\n".join(r["event_id"] for r in rows)
        times = "\n".join(to_utc(r["captured_at"]).isoformat() for r in rows)
        prints = "\n".join(r["fingerprint"] for r in rows)
        if events.count("\n") != len(rows) - 1:
            raise ValueError("an event_id holds a line break")  # refused by the schemas long before this
        params = {"site_id": site_id, "events": events, "times": times, "prints": prints}
        return set(db_session.scalars(_CLAIM_KEYS, params))
    values = [
        {
            "site_id": site_id,
            "event_id": r["event_id"],
            "captured_at": r["captured_at"],
            "fingerprint": r["fingerprint"],
        }
        for r in rows
    ]
    # executemany with RETURNING: SQLAlchemy sends it as multi-row INSERTs ("insertmanyvalues") from one
    # cached compiled statement, on PostgreSQL and SQLite alike
    statement = dialect_insert(db_session, PassageKey.__table__).on_conflict_do_nothing(
        index_elements=["site_id", "event_id"]
    )
    return set(db_session.scalars(statement.returning(PassageKey.event_id), values))


def _copy_new_keys(db_session: Session, site_id: str, rows: Sequence[dict[str, Any]]) -> bool:
    """COPY the keys in when none of them exists (a fresh batch, the usual case): True. If one does (a retry, a
    repeat), the COPY fails and is undone to its savepoint, nothing is written, and the caller claims them with
    INSERT ... ON CONFLICT DO NOTHING: False. COPY costs the server about half the CPU of that INSERT."""
    db_session.execute(_SAVEPOINT)
    try:
        with _copy_in(db_session, _COPY_KEYS, _COPY_KEY_TYPES) as copy:
            for row in rows:
                copy.write_row((site_id, row["event_id"], to_utc(row["captured_at"]), row["fingerprint"]))
    except IntegrityError as exc:
        if not isinstance(exc.orig, psycopg.errors.UniqueViolation):
            raise
        db_session.execute(_ROLLBACK_TO_SAVEPOINT)
        return False
    db_session.execute(_RELEASE_SAVEPOINT)
    return True


@contextmanager
def _copy_in(db_session: Session, sql: str, types: Sequence[str]) -> Iterator[Any]:
    """A binary COPY ... FROM STDIN of the session's connection, in its transaction; driver errors come out as
    SQLAlchemy's (shared.db.driver_errors): a lost connection is invalidated and answered 503."""
    connection = db_session.connection()
    with driver_errors(connection, sql), connection.connection.dbapi_connection.cursor() as cursor, \
            cursor.copy(sql) as copy:  # type: ignore[union-attr]
        copy.set_types(types)
        yield copy


# through SQLAlchemy: a lost connection is found on the transaction's first statement as on any other
_SAVEPOINT = text("SAVEPOINT copy_keys")
_ROLLBACK_TO_SAVEPOINT = text("ROLLBACK TO SAVEPOINT copy_keys")
_RELEASE_SAVEPOINT = text("RELEASE SAVEPOINT copy_keys")
_COPY_KEYS = "COPY passage_key (site_id, event_id, captured_at, fingerprint) FROM STDIN (FORMAT BINARY)"
_COPY_KEY_TYPES = ["varchar", "varchar", "timestamptz", "varchar"]
_CLAIM_KEYS = text(
    "INSERT INTO passage_key (site_id, event_id, captured_at, fingerprint) "
    "SELECT :site_id, * FROM unnest(string_to_array(:events, E'\\n'), "
    "CAST(string_to_array(:times, E'\\n') AS timestamptz[]), string_to_array(:prints, E'\\n')) "
    "ON CONFLICT (site_id, event_id) DO NOTHING RETURNING event_id"
)


def stored_passages(
    db_session: Session | Connection, site_id: str, event_ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Stored ledger rows of a site by event_id (through the key table, so the partition is pruned)."""
    event_ids = list(event_ids)
    if not event_ids:
        return {}
    query = (
        select(Passage.__table__)
        .join(
            PassageKey,
            and_(
                PassageKey.site_id == Passage.site_id,
                PassageKey.event_id == Passage.event_id,
                PassageKey.captured_at == Passage.captured_at,
            ),
        )
        .where(PassageKey.site_id == site_id, PassageKey.event_id.in_(event_ids))
    )
    return {row.event_id: dict(row._mapping) for row in db_session.execute(query)}


JSON_COLUMNS = frozenset({"photos", "banned_reasons"})
COPY_FROM_ROWS = 20  # below this, one INSERT costs fewer round trips than the COPY protocol


def claims_with_insert(engine: Engine, count: int) -> bool:
    """Whether `count` new passages are best claimed and stored by one statement (few rows, on PostgreSQL)."""
    return 0 < count < COPY_FROM_ROWS and engine.dialect.name == "postgresql"


def claim_and_insert_if_registry_unchanged(
    connection: Connection, site_id: str, row: dict[str, Any], plate: tuple[str, str], guard: RegistryGuard
) -> tuple[bool, set[str]]:
    """Claim and store one row enriched from registry facts read earlier, in one statement, only if the
    replica still holds those facts for its plate: (facts unchanged, event_ids created). PostgreSQL.

    The check and the insert see one snapshot, so a stored row never carries facts the replica had
    already replaced; when they changed, nothing is claimed or stored and the caller reads them again.
    The single POST's path: sent as driver SQL, since SQLAlchemy's statement handling costs more CPU
    than the rest of the request's database work (values are prepared here as the column types would).
    """
    params: dict[str, Any] = {f"{key}_0": row[key] for key in PASSAGE_COLUMNS}
    for name in JSON_COLUMNS:
        params[f"{name}_0"] = _JSON.encode(params[f"{name}_0"])
    for name in ("captured_at", "received_at"):
        params[f"{name}_0"] = to_utc(params[f"{name}_0"])
    params.update(site_id=site_id, g_plate=plate[0], g_colour=plate[1], g_key=f"{plate[0]}|{plate[1]}")
    params.update(zip(("fact_count", "fact_seq", "entry_count", "entry_seq"), guard, strict=True))
    ((unchanged, event_id),) = driver_execute(connection, _guarded_insert_sql(), params)
    return bool(unchanged), {event_id} if event_id is not None else set()


def claim_and_insert_passages(db_session: Session, site_id: str, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Claim the rows' idempotency keys and append the rows whose key was new, in one statement (PostgreSQL).

    The same work as claim_passage_keys then insert_passages, in one round trip instead of two: the
    single POST's path. Returns the event_ids that were new; the other rows were stored before.
    """
    if not rows:
        return set()
    params: dict[str, Any] = {"site_id": site_id}
    for index, row in enumerate(rows):
        params.update({f"{key}_{index}": row[key] for key in PASSAGE_COLUMNS})
    return set(db_session.scalars(_claim_and_insert_statement(len(rows)), params))


_REGISTRY_UNCHANGED = (
    "(SELECT count(*) = :fact_count AND coalesce(max(feed_seq), -1) = :fact_seq FROM vehicle_fact "
    "WHERE plate = :g_plate AND plate_colour = :g_colour) AND "
    "(SELECT count(*) = :entry_count AND coalesce(max(feed_seq), -1) = :entry_seq FROM list_entry "
    "WHERE subject_type = 'vehicle' AND subject_key = :g_key)"
)


def _claim_and_insert_sql(count: int, param: Callable[[str], str], guard: str | None = None) -> str:
    # Strings are cast to text, not varchar(n): a cast would truncate, the INSERT refuses overlong values.
    columns = list(Passage.__table__.columns)
    sql_types = {
        c.key: "text" if isinstance(c.type, String) else c.type.compile(dialect=postgresql.dialect()) for c in columns
    }
    rows = ", ".join(
        "(" + ", ".join(f"CAST({param(f'{c.key}_{i}')} AS {sql_types[c.key]})" for c in columns) + ")"
        for i in range(count)
    )
    names = ", ".join(PASSAGE_COLUMNS)
    claim = (
        "claimed AS (INSERT INTO passage_key (site_id, event_id, captured_at, fingerprint) "
        f"SELECT {param('site_id')}, event_id, captured_at, fingerprint FROM fresh {{where}}"
        "ON CONFLICT (site_id, event_id) DO NOTHING RETURNING event_id)"
    )
    store = f"INSERT INTO passage ({names}) SELECT {names} FROM fresh WHERE event_id IN (SELECT event_id FROM claimed)"
    if guard is None:
        return f"WITH fresh ({names}) AS (VALUES {rows}), {claim.format(where='')} {store} RETURNING event_id"
    return (
        f"WITH fresh ({names}) AS (VALUES {rows}), guard AS (SELECT {guard} AS unchanged), "
        + claim.format(where="WHERE (SELECT unchanged FROM guard) ")
        + f", stored AS ({store} RETURNING event_id) "
        "SELECT (SELECT unchanged FROM guard) AS unchanged, (SELECT event_id FROM stored) AS event_id"
    )


@lru_cache(maxsize=1)
def _guarded_insert_sql() -> str:
    guard = re.sub(r":(\w+)", r"%(\1)s", _REGISTRY_UNCHANGED)
    return _claim_and_insert_sql(1, lambda name: f"%({name})s", guard)


@lru_cache(maxsize=COPY_FROM_ROWS)
def _claim_and_insert_statement(count: int) -> TextClause:
    # Hand-written and cached per row count: SQLAlchemy does not cache the compiled form of a VALUES
    # construct, and compiling this statement every time costs more than the round trip it saves.
    columns = list(Passage.__table__.columns)
    sql = _claim_and_insert_sql(count, lambda name: f":{name}")
    # typed parameters: JSON columns are serialised and timestamps checked as in any other insert
    return text(sql).bindparams(
        *(bindparam(f"{c.key}_{i}", type_=c.type) for i in range(count) for c in columns),
        bindparam("site_id", type_=String()),
    )


def insert_passages(db_session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append ledger rows: COPY on PostgreSQL (in the session's transaction), one executemany INSERT elsewhere."""
    if not rows:
        return
    if db_session.get_bind().dialect.name != "postgresql" or len(rows) < COPY_FROM_ROWS:
        db_session.execute(Passage.__table__.insert(), [{k: r[k] for k in PASSAGE_COLUMNS} for r in rows])
        return
    # COPY is several times faster than INSERT for a batch; the rows are already validated and normalised
    plain = _PLAIN_VALUES
    with _copy_in(db_session, _COPY_PASSAGES, _COPY_TYPES) as copy:
        for row in rows:
            copy.write_row((*plain(row), _json_text(row["photos"]), _json_text(row["banned_reasons"])))


def _json_text(values: list[str]) -> str:
    """A list as JSON text, exactly as _JSON writes it (characters as they are, ", " between items)."""
    if values == []:
        return "[]"
    if len(values) == 1:  # no separator to differ: orjson writes the same text, several times faster
        return orjson.dumps(values).decode()
    return _JSON.encode(values)


_JSON = json.JSONEncoder(ensure_ascii=False)  # built once: json.dumps builds one per call when given options
# COPY's columns: the plain ones read from a row in one C call, then the JSON ones, encoded
_PLAIN_COLUMNS = [name for name in PASSAGE_COLUMNS if name not in JSON_COLUMNS]
_PLAIN_VALUES = itemgetter(*_PLAIN_COLUMNS)
# Binary: the driver writes timestamps, numbers and flags as they are held, not as text the server parses
_COPY_PASSAGES = f"COPY passage ({', '.join([*_PLAIN_COLUMNS, 'photos', 'banned_reasons'])}) FROM STDIN (FORMAT BINARY)"
_BINARY_TYPES = {String: "varchar", Boolean: "bool", Date: "date", Numeric: "numeric", UTCDateTime: "timestamptz"}
# JSON goes as its text: written as "text", the bytes are those of the encoded JSON, which the server reads as is
_COPY_TYPES = [_BINARY_TYPES[type(Passage.__table__.c[name].type)] for name in _PLAIN_COLUMNS] + ["text", "text"]


def last_events(db_session: Session, site_id: str, since: datetime) -> dict[str, datetime]:
    """The newest capture time per gate of a site since `since` (recent partitions only)."""
    query = (
        select(Passage.gate_id, func.max(Passage.captured_at))
        .where(Passage.site_id == site_id, Passage.captured_at >= since)
        .group_by(Passage.gate_id)
    )
    return {gate_id: moment for gate_id, moment in db_session.execute(query)}
