"""Import jobs: the job row, its row errors, and the bulk reads/writes of one batch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, insert, select, update
from sqlalchemy.orm import Session

from shared.db import database
from shared.errors import NotFound
from shared.tabular import RowError
from vehicles.models import ImportJob, ImportRowError, Vehicle, VehicleEvent

STORED_COLUMNS = tuple(c.key for c in Vehicle.__table__.columns)


def get_job(session: Session, job_id: str) -> ImportJob:
    """An import job by id; 404 otherwise."""
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(f"no import job {job_id!r}")
    return job


def stored_vehicles(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The registered vehicles among (plate, colour) keys, as column dicts, locked for the batch."""
    if not keys:
        return {}
    wanted = set(keys)
    # plate IN (...) uses the (plate, plate_colour) unique index on both databases; colours are checked here
    plates = sorted({plate for plate, _ in wanted})
    if session.get_bind().dialect.name == "postgresql":
        # = ANY(array): one parameter, so the driver does not parse a statement with a thousand placeholders
        query = select(Vehicle.__table__).where(Vehicle.plate == any_(bindparam("plates", plates, ARRAY(String))))
        query = query.with_for_update()
    else:
        query = select(Vehicle.__table__).where(Vehicle.plate.in_(plates))
    rows = (dict(row._mapping) for row in session.connection().execute(query))
    return {(row["plate"], row["plate_colour"]): row for row in rows if (row["plate"], row["plate_colour"]) in wanted}


def insert_vehicles(
    session: Session, rows: list[dict[str, Any]], ids_of: Sequence[tuple[str, str]] = ()
) -> dict[tuple[str, str], int]:
    """Insert new vehicles (COPY on PostgreSQL, one multi-row INSERT on SQLite); returns ids (those of `ids_of`)."""
    if not rows:
        return {}
    table = Vehicle.__table__
    if session.get_bind().dialect.name == "postgresql":
        columns = [name for name in STORED_COLUMNS if name != "id"]
        copy_rows(session, table.name, columns, ([row.get(name) for name in columns] for row in rows))
        if not ids_of:
            return {}
        plates = sorted({plate for plate, _ in ids_of})
        found = session.connection().execute(
            select(table.c.id, table.c.plate, table.c.plate_colour).where(table.c.plate.in_(plates))
        )
        return {(plate, colour): vehicle_id for vehicle_id, plate, colour in found}
    # Core, not the ORM: one multi-row INSERT per page (insertmanyvalues), whatever columns are null
    result = session.connection().execute(insert(table).returning(table.c.id, table.c.plate, table.c.plate_colour),
                                          rows)
    return {(plate, colour): vehicle_id for vehicle_id, plate, colour in result}


def copy_rows(session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL COPY of rows into a table, inside the session's transaction (the fast bulk path).

    The rows are formatted as COPY text here and sent in one write: psycopg's per-value write_row costs more
    than the rest of the row's work.
    """
    dbapi = session.connection().connection.dbapi_connection
    names = ", ".join(columns)
    text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    with dbapi.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
        copy.write(text.encode())


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format (NULL as \\N, booleans t/f, dates and times ISO 8601)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        # four substring scans in C are far cheaper than translate() over every character
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def update_vehicles(session: Session, rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    """Update `columns` of vehicles by id (executemany)."""
    if not rows:
        return
    statement = (
        update(Vehicle.__table__)
        .where(Vehicle.__table__.c.id == bindparam("_id"))
        .values({name: bindparam(name) for name in columns})
    )
    session.connection().execute(statement, [{"_id": row["id"], **{n: row[n] for n in columns}} for row in rows])


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append history rows."""
    if rows:
        session.connection().execute(insert(VehicleEvent.__table__), rows)


def insert_row_errors(session: Session, job_id: str, errors: Sequence[RowError]) -> None:
    """Keep a batch's row errors for the downloadable report."""
    if errors:
        session.execute(
            insert(ImportRowError),
            [{"job_id": job_id, "row": e.row, "field": e.field, "reason": e.reason, "value": e.value} for e in errors],
        )


def stream_row_errors(job_id: str) -> Iterator[RowError]:
    """A job's row errors in row order, through a session of the stream's own (it outlives the request)."""
    query = select(ImportRowError).where(ImportRowError.job_id == job_id).order_by(ImportRowError.row,
                                                                                    ImportRowError.id)
    with database().sessionmaker() as own:
        for error in own.scalars(query.execution_options(yield_per=2000)):
            yield RowError(error.row, error.field, error.reason, error.value)
