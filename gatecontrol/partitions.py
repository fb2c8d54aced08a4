"""PostgreSQL monthly partitions of the passage ledger: created ahead, listed, detached and dropped whole.

Partitions live in their own schema (ledger_partitions) so that schema comparison of the service's tables
(alembic autogenerate, the migrations test) sees only the partitioned parent `passage`. Months are cut
in the city's zone, so one site-month export reads exactly one partition. On SQLite all of this is a no-op.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from shared.timeutil import local_date, month_bounds

logger = logging.getLogger(__name__)
SCHEMA = "ledger_partitions"
PURGED_SUFFIX = "_purged"  # a detached month waiting to be dropped
_LOCK_KEY = 7_302_118_001  # pg_advisory_xact_lock key: one creator of partitions at a time
_known: dict[str, set[str]] = {}
_known_lock = threading.Lock()


@dataclass(frozen=True)
class Partition:
    name: str
    month: str  # YYYY-MM
    lower: datetime
    upper: datetime


def month_of(moment: datetime) -> str:
    """The city month ('2026-10') an instant falls in."""
    return local_date(moment).strftime("%Y-%m")


def partition_name(month: str) -> str:
    return f"passage_{month.replace('-', '_')}"


def is_postgresql(engine_or_connection: Engine | Connection) -> bool:
    return engine_or_connection.dialect.name == "postgresql"


def create_partition(connection: Connection, month: str) -> bool:
    """Create the partition of one month if missing (inside the caller's transaction); True if created."""
    lower, upper = month_bounds(month)
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    exists = connection.execute(
        text("SELECT to_regclass(:name) IS NOT NULL"), {"name": f"{SCHEMA}.{partition_name(month)}"}
    ).scalar_one()
    if exists:
        return False
    # Identifiers are built from a validated YYYY-MM, bounds are bound as literals of our own making.
    connection.execute(
        text(
            f"CREATE TABLE {SCHEMA}.{partition_name(month)} PARTITION OF passage "
            f"FOR VALUES FROM ('{lower.isoformat()}') TO ('{upper.isoformat()}')"
        )
    )
    logger.info("ledger partition created", extra={"month": month})
    return True


def ensure_partitions(engine: Engine, instants: Iterable[datetime]) -> None:
    """Make sure the months of these instants have partitions (cached per process after the first check)."""
    if not is_postgresql(engine):
        return
    months = {month_of(moment) for moment in instants}
    with _known_lock:
        known = _known.setdefault(str(engine.url), set())
        missing = months - known
    if not missing:
        return
    with engine.begin() as connection:
        for month in sorted(missing):
            create_partition(connection, month)
    with _known_lock:
        known |= missing


def months_between(first: date, last: date) -> list[str]:
    """Every 'YYYY-MM' from first's month to last's month inclusive."""
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = year + (month == 12), month % 12 + 1
    return out


def list_partitions(connection: Connection) -> list[Partition]:
    """The ledger's partitions in month order."""
    rows = connection.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE i.inhparent = 'passage'::regclass AND n.nspname = :schema ORDER BY c.relname"
        ),
        {"schema": SCHEMA},
    ).scalars()
    partitions = []
    for name in rows:
        month = name.removeprefix("passage_").replace("_", "-")
        lower, upper = month_bounds(month)
        partitions.append(Partition(name, month, lower, upper))
    return partitions


def detach_partition(connection: Connection, partition: Partition) -> str:
    """Detach one month from the ledger and mark it for dropping, inside the caller's transaction.

    The ledger's exclusive lock lasts only for this short transaction. Dropping the month's files is left to
    `drop_detached`, in a transaction of its own, because unlinking them scales with their size (about 1.5 ms
    a MB on a disk mounted with online discard) and PostgreSQL unlinks before it releases its locks.
    """
    doomed = f"{partition.name}{PURGED_SUFFIX}"
    connection.execute(text(f"ALTER TABLE passage DETACH PARTITION {SCHEMA}.{partition.name}"))
    connection.execute(text(f"ALTER TABLE {SCHEMA}.{partition.name} RENAME TO {doomed}"))
    with _known_lock:
        for known in _known.values():
            known.discard(partition.month)
    return doomed


def drop_detached(engine: Engine) -> list[str]:
    """Drop every month detached for purging, one transaction each: also those of a purge that stopped
    between detaching and dropping. A month detached by hand (not renamed) is never touched."""
    with engine.connect() as connection:
        names = list(
            connection.execute(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :schema AND c.relkind = 'r' AND c.relname ~ :pattern ORDER BY 1"
                ),
                {"schema": SCHEMA, "pattern": f"^passage_[0-9]{{4}}_[0-9]{{2}}{PURGED_SUFFIX}$"},
            ).scalars()
        )
    for name in names:
        with engine.begin() as connection:
            connection.execute(text(f'DROP TABLE IF EXISTS {SCHEMA}."{name}"'))
        logger.info("ledger partition dropped", extra={"partition": name})
    return names
