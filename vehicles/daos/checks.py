"""Check queries: vehicles and list entries for many plates at once; the audit log, written in bulk and searched."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    String,
    Table,
    and_,
    any_,
    bindparam,
    cast,
    insert,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from shared.db import driver_execute
from shared.jsonutil import dumps_text
from shared.pagination import Page, keyset_page
from shared.timeutil import day_bounds
from vehicles.daos.changes import RECORD_FIELDS
from vehicles.daos.lists import in_force_on
from vehicles.list_terms import SubjectType
from vehicles.models import CheckLog, ListEntry, PhaseoutPlan, Vehicle


@dataclass(frozen=True)
class CheckRows:
    """What a check reads: registered vehicles by plate, vehicle list entries in force, phase-out plans."""

    vehicles: dict[str, list[Any]]
    entries: list[Any]
    plans: list[Any]


def check_rows(db: Session | Connection, plates: Iterable[str], day: date, *, plans: bool = True) -> CheckRows:
    """Vehicles with these normalised plates (any colour), the vehicle entries about them in force on `day`
    (lists.in_force_on), and if asked the phase-out plans that set a deadline: one statement.

    One round trip instead of three is most of a single check's cost. The rows are read-only tuples with the
    tables' column names as attributes, of the columns a check reads (VEHICLE_COLUMNS, ENTRY_COLUMNS,
    PLAN_COLUMNS).
    """
    plates = sorted(set(plates))
    if not plates:
        return CheckRows({}, [], [])
    connection = _connection(db)
    dialect = connection.dialect.name
    if dialect == "postgresql":
        sql, fixed, shapes = _driver_check_statement(plans)
        rows: Iterable[Any] = driver_execute(connection, sql, {**fixed, "plates": plates, "day": day})
    else:
        statement, shapes = _check_statement(dialect, plans)
        rows = connection.execute(statement, {"plates": plates, "day": day})
    out = CheckRows({}, [], [])
    found: tuple[list[Any], list[Any], list[Any]] = ([], out.entries, out.plans)
    for row in rows:
        part = row[0]
        shape, start, end = shapes[part]
        found[part].append(shape._make(row[start:end]))
    for vehicle in found[0]:
        out.vehicles.setdefault(vehicle.plate, []).append(vehicle)
    return out


# The columns a check reads (list_rules, the answer's vehicle record and entries): a bulk check fetches about
# a thousand rows, and the columns it never reads (timestamps converted to UTC above all) cost more to load than
# the rest of the row.
VEHICLE_COLUMNS = (*RECORD_FIELDS, "prior_stage", "stage_upgraded_on")
ENTRY_COLUMNS = ("id", "plate", "plate_colour", "list_kind", "reason_code", "evidence", "authority", "effective_from",
                 "until", "seasonal_scope", "lifted_at")
PLAN_COLUMNS = ("code", "jurisdiction", "max_stage", "fuels", "classes", "operating_only", "deadline",
                "source_document", "source_item")


@cache
def _check_statement(dialect: str, plans: bool) -> tuple[Any, list[tuple[Any, int, int]]]:
    """The UNION ALL of check_rows (built once per dialect): `part`, then every table's columns side by side,
    typed NULLs where a row belongs to another table; and per part, its row shape and its slice of the columns."""
    vehicle, entry, plan = Vehicle.__table__, ListEntry.__table__, PhaseoutPlan.__table__
    wanted = _plates_in(dialect)
    day = bindparam("day")
    parts: list[tuple[Table, tuple[str, ...], Any]] = [
        (vehicle, VEHICLE_COLUMNS, wanted(vehicle.c.plate)),
        (entry, ENTRY_COLUMNS, and_(wanted(entry.c.plate), entry.c.subject_type == SubjectType.VEHICLE.value,
                                    in_force_on(day))),
    ]
    if plans:
        parts.append((plan, PLAN_COLUMNS, plan.c.deadline.is_not(None)))
    columns = [table.c[name] for table, names, _ in parts for name in names]
    shapes, start = [], 1
    for table, names, _ in parts:
        shapes.append((namedtuple(f"{table.name}_row", names), start, start + len(names)))
        start += len(names)
    selects = [
        select(literal_column(str(index)).label("part"), *[
            (column if column.table is table else cast(null(), column.type)).label(f"c{n}")
            for n, column in enumerate(columns)
        ]).select_from(table).where(where)
        for index, (table, _, where) in enumerate(parts)
    ]
    return union_all(*selects), shapes


@cache
def _driver_check_statement(plans: bool) -> tuple[str, dict[str, Any], list[tuple[Any, int, int]]]:
    """_check_statement for PostgreSQL as psycopg's SQL text, its fixed parameters, and the row shapes.

    Run on the driver (shared.db.driver_execute): the statement's columns are text, booleans, dates and JSON,
    which psycopg returns as SQLAlchemy would (lifted_at, the one timestamp, is always NULL: in force).
    """
    statement, shapes = _check_statement("postgresql", plans)
    compiled = statement.compile(dialect=postgresql.psycopg.dialect())
    fixed = {name: value for name, value in compiled.params.items() if name not in ("plates", "day")}
    return str(compiled), fixed, shapes


def _plates_in(dialect: str) -> Callable[[Any], Any]:
    """`column IN plates` as one array parameter on PostgreSQL (one statement text whatever the count, so it is
    prepared once; 1,000 bound values cost more to render than to look up), an expanding IN elsewhere."""
    if dialect == "postgresql":
        plates = bindparam("plates", type_=ARRAY(String))
        return lambda column: column == any_(plates)
    plates = bindparam("plates", expanding=True)
    return lambda column: column.in_(plates)


# The settings of the connections checks run on (a pool of their own, shared.db.autocommit_connection): the check
# statement is prepared per connection, and PostgreSQL plans its first five runs for their values (a parallel
# plan for a bulk check's 1,000 plates) before it may keep a generic plan; for a single plate it never does, and
# replanned every check (0.5 ms of the server's CPU instead of 0.2). The generic plan is the index look-up.
CHECK_CONNECTION = {"plan_cache_mode": "force_generic_plan"}


LOG_COLUMNS = ("checked_at", "actor", "role", "batch_id", "query_raw", "plate", "plate_colour", "valid", "found",
               "blacklisted", "banned", "answer")


def write_log(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append audit rows in one statement (COPY on PostgreSQL for a bulk check: it costs less than the answers)."""
    if not rows:
        return
    if len(rows) > 50 and session.get_bind().dialect.name == "postgresql":
        from vehicles.daos.imports import copy_rows

        copy_rows(session, CheckLog.__tablename__, LOG_COLUMNS,
                  ([*(row[c] for c in LOG_COLUMNS[:-1]), dumps_text(row["answer"])]
                   for row in rows))
    else:
        session.connection().execute(insert(CheckLog.__table__), list(rows))


# The per-answer fields of a plate check's audit row (write_check_log), after checked_at, actor, role, batch_id.
CHECK_LOG_FIELDS = LOG_COLUMNS[4:]
_INSERT_ONE_LOG = (
    f"INSERT INTO {CheckLog.__tablename__} ({', '.join(LOG_COLUMNS)}) VALUES "
    f"({', '.join(f'%({c})s' for c in LOG_COLUMNS[:-1])}, %(answer)s::json)"
)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def write_check_log(db: Session | Connection, checked_at: datetime, actor: str, role: str, batch_id: str | None,
                    rows: Sequence[tuple[Any, ...]]) -> None:
    """Append a plate check's audit rows (each CHECK_LOG_FIELDS in order, the answer summary a dict).

    A bulk check's thousand rows go by COPY on PostgreSQL, its text formatted here knowing each column's type
    (the shared fields once): formatting them value by value cost more than the look-up (bench/vehicles_check.py).
    """
    if not rows:
        return
    connection = _connection(db)
    on_postgresql = connection.dialect.name == "postgresql"
    if on_postgresql and len(rows) == 1:
        # a single check's one row: a prepared INSERT on the driver (SQLAlchemy's insert costs 5x more)
        values = dict(zip(CHECK_LOG_FIELDS, rows[0], strict=True))
        values.update(checked_at=checked_at, actor=actor, role=role, batch_id=batch_id,
                      answer=dumps_text(values["answer"]))
        driver_execute(connection, _INSERT_ONE_LOG, values, rows=False)
        return
    if len(rows) <= 50 or not on_postgresql:
        head = {"checked_at": checked_at, "actor": actor, "role": role, "batch_id": batch_id}
        connection.execute(insert(CheckLog.__table__),
                           [{**head, **dict(zip(CHECK_LOG_FIELDS, row, strict=True))} for row in rows])
        return
    head = "\t".join([_copy_text(checked_at.isoformat()), _copy_text(actor), _copy_text(role),
                      _copy_text(batch_id)])
    flags = {True: "t", False: "f"}
    text = "".join(
        f"{head}\t{_copy_text(raw)}\t{_copy_text(plate)}\t{_copy_text(colour)}\t{flags[valid]}\t{flags[found]}"
        f"\t{flags[blacklisted]}\t{flags[banned]}\t{_copy_text(dumps_text(answer))}\n"
        for raw, plate, colour, valid, found, blacklisted, banned, answer in rows
    )
    dbapi = connection.connection.dbapi_connection
    with dbapi.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
        f"COPY {CheckLog.__tablename__} ({', '.join(LOG_COLUMNS)}) FROM STDIN"
    ) as copy:
        copy.write(text.encode())


def _connection(db: Session | Connection) -> Connection:
    """The Core connection of a session (or the connection itself): a check runs on a bare connection."""
    return db if isinstance(db, Connection) else db.connection()


def _copy_text(value: str | None) -> str:
    """A text value in COPY's text format: NULL as \\N, backslashes and line breaks escaped."""
    if value is None:
        return "\\N"
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def search_log(session: Session, filters: dict[str, Any], limit: int, cursor: str | None) -> Page[CheckLog]:
    """Audit rows by actor, plate, city days, outcome; oldest first."""
    query = select(CheckLog)
    for name in ("actor", "plate", "plate_colour", "batch_id", "banned", "blacklisted", "found"):
        if filters.get(name) is not None:
            query = query.where(getattr(CheckLog, name) == filters[name])
    start: date | None = filters.get("from_day")
    end: date | None = filters.get("to_day")
    if start is not None:
        query = query.where(CheckLog.checked_at >= day_bounds(start)[0])
    if end is not None:
        query = query.where(CheckLog.checked_at < day_bounds(end)[1])
    return keyset_page(session, query, [CheckLog.id], limit, cursor)
