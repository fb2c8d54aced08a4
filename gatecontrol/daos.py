"""Queries and bulk writes of gatecontrol; they take a session and never commit."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, String, Table, and_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gatecontrol.models import Gate, GateKey, ListEntry, Passage, PassageKey, Site, VehicleFact
from shared.errors import NotFound

PASSAGE_COLUMNS = [c.key for c in Passage.__table__.columns]


def dialect_insert(db_session: Session, table: Table) -> Any:
    """The dialect's INSERT, which has on_conflict_do_nothing / do_update on both PostgreSQL and SQLite."""
    name = db_session.get_bind().dialect.name
    return (pg_insert if name == "postgresql" else sqlite_insert)(table)


def get_site(db_session: Session, site_id: str) -> Site:
    """The site, or 404."""
    site = db_session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id!r}")
    return site


def get_gate(db_session: Session, site_id: str, gate_id: str) -> Gate:
    """The gate of a site, or 404."""
    gate = db_session.get(Gate, (site_id, gate_id))
    if gate is None:
        raise NotFound(f"site {site_id!r} has no gate {gate_id!r}")
    return gate


def gate_ids(db_session: Session, site_id: str) -> set[str]:
    """The ids of a site's gates."""
    return set(db_session.scalars(select(Gate.gate_id).where(Gate.site_id == site_id)))


def key_by_hash(db_session: Session, key_hash: str) -> GateKey | None:
    return db_session.scalars(select(GateKey).where(GateKey.key_hash == key_hash)).one_or_none()


def sites_of(db_session: Session, uscc: str, site_ids: Sequence[str] = ()) -> list[Site]:
    """An enterprise's sites (all, or the ones named), in id order."""
    query = select(Site).where(Site.uscc == uscc).order_by(Site.site_id)
    if site_ids:
        query = query.where(Site.site_id.in_(site_ids))
    return list(db_session.scalars(query))


# ---- passages --------------------------------------------------------------------------------------


def claim_passage_keys(db_session: Session, site_id: str, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert idempotency keys; returns the event_ids that were new (the rest were stored before)."""
    if not rows:
        return set()
    if db_session.get_bind().dialect.name == "postgresql":
        # one statement over four arrays: one round trip and one plan, whatever the batch size
        statement = text(
            "INSERT INTO passage_key (site_id, event_id, captured_at, fingerprint) "
            "SELECT :site_id, * FROM unnest(CAST(:events AS text[]), CAST(:times AS timestamptz[]), "
            "CAST(:prints AS text[])) ON CONFLICT (site_id, event_id) DO NOTHING RETURNING event_id"
        )
        params = {
            "site_id": site_id,
            "events": [r["event_id"] for r in rows],
            "times": [r["captured_at"] for r in rows],
            "prints": [r["fingerprint"] for r in rows],
        }
        return set(db_session.scalars(statement, params))
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


def stored_passages(db_session: Session, site_id: str, event_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
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


def vehicle_facts(db_session: Session, plates: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Replica facts for (plate, colour) pairs."""
    pairs = set(plates)
    if not pairs:
        return {}
    # the plate column alone is indexed by the primary key's first column; colours are checked below
    query = select(VehicleFact.__table__).where(VehicleFact.plate.in_({plate for plate, _ in pairs}))
    if db_session.get_bind().dialect.name == "postgresql":
        query = select(VehicleFact.__table__).where(
            VehicleFact.plate == func.any(bindparam("plates", [p for p, _ in pairs], type_=ARRAY(String)))
        )
    found = {(row.plate, row.plate_colour): dict(row._mapping) for row in db_session.execute(query)}
    return {pair: facts for pair, facts in found.items() if pair in pairs}


def vehicle_entries(db_session: Session, plates: Iterable[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """Blacklist / supervision entries of vehicles by subject key 'plate|colour'."""
    keys = {f"{plate}|{colour}" for plate, colour in plates}
    if not keys:
        return {}
    subject = ListEntry.subject_key.in_(keys)
    if db_session.get_bind().dialect.name == "postgresql":
        subject = ListEntry.subject_key == func.any(bindparam("keys", list(keys), type_=ARRAY(String)))
    query = select(ListEntry.__table__).where(ListEntry.subject_type == "vehicle", subject)
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in db_session.execute(query):
        found[row.subject_key].append(dict(row._mapping))
    return found


JSON_COLUMNS = frozenset({"photos", "banned_reasons"})
COPY_FROM_ROWS = 20  # below this, one INSERT costs fewer round trips than the COPY protocol


def insert_passages(db_session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append ledger rows: COPY on PostgreSQL (in the session's transaction), one executemany INSERT elsewhere."""
    if not rows:
        return
    if db_session.get_bind().dialect.name != "postgresql" or len(rows) < COPY_FROM_ROWS:
        db_session.execute(Passage.__table__.insert(), [{k: r[k] for k in PASSAGE_COLUMNS} for r in rows])
        return
    # COPY is several times faster than INSERT for a batch; the rows are already validated and normalised
    driver = db_session.connection().connection.dbapi_connection
    columns = ", ".join(PASSAGE_COLUMNS)
    with driver.cursor() as cursor, cursor.copy(f"COPY passage ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(row[k], ensure_ascii=False) if k in JSON_COLUMNS else row[k] for k in PASSAGE_COLUMNS]
            )


def last_events(db_session: Session, site_id: str, since: datetime) -> dict[str, datetime]:
    """The newest capture time per gate of a site since `since` (recent partitions only)."""
    query = (
        select(Passage.gate_id, func.max(Passage.captured_at))
        .where(Passage.site_id == site_id, Passage.captured_at >= since)
        .group_by(Passage.gate_id)
    )
    return {gate_id: moment for gate_id, moment in db_session.execute(query)}
