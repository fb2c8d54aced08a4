"""Queries of the registry replica (vehicle facts, list entries) for enrichment, and the guard of what it held."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import String, bindparam, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from gatecontrol.models import ListEntry, VehicleFact

# Built once: ingest runs it for every passage, and building a statement costs more than running it.
# Facts and list entries of the plates in one statement (one round trip): each row is a fact (entry
# columns NULL) or an entry (fact columns NULL). Plates are indexed by the fact table's primary key's
# first column; colours are checked in Python.
# Only what enrichment reads (gatecontrol.rules.enrich and entry_active): fewer columns, less to decode.
_FACT_COLUMNS = [
    VehicleFact.plate,
    VehicleFact.plate_colour,
    VehicleFact.emission_stage,
    VehicleFact.stage_inferred,
    VehicleFact.fuel,
    VehicleFact.vehicle_class,
    VehicleFact.status,
    VehicleFact.feed_seq,
]
_ENTRY_COLUMNS = [
    ListEntry.subject_key,
    ListEntry.list_kind,
    ListEntry.reason_code,
    ListEntry.effective_from,
    ListEntry.until,
    ListEntry.seasonal_scope,
    ListEntry.lifted_at,
    ListEntry.feed_seq,
]


def _lines(name: str) -> Any:
    # A list goes as one newline-joined text the server splits: dumping an array of 1,000 strings costs the
    # driver more CPU than the look-up itself. Plates and keys hold no line break (normalised plates keep
    # letters, digits and the province character only).
    return func.string_to_array(bindparam(name, type_=String), literal("\n", String))


_REGISTRY_BY_PLATES = union_all(
    select(
        literal("fact").label("found"),
        *_FACT_COLUMNS,
        *(cast(null(), c.type).label(f"entry_{c.key}") for c in _ENTRY_COLUMNS),
    ).where(VehicleFact.plate == func.any(_lines("plates"))),
    select(
        literal("entry"),
        *(cast(null(), c.type) for c in _FACT_COLUMNS),
        *_ENTRY_COLUMNS,
    ).where(
        ListEntry.subject_type == "vehicle", ListEntry.subject_key == func.any(_lines("keys"))
    ),
)


def vehicle_registry(
    db_session: Session, plates: Iterable[tuple[str, str]]
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Replica facts by (plate, colour), and blacklist / supervision entries by subject key 'plate|colour'."""
    pairs = set(plates)
    if not pairs:
        return {}, {}
    keys = {f"{plate}|{colour}" for plate, colour in pairs}
    connection = db_session.connection()
    if connection.dialect.name != "postgresql":
        facts = connection.execute(select(*_FACT_COLUMNS).where(VehicleFact.plate.in_({plate for plate, _ in pairs})))
        entries = connection.execute(
            select(*_ENTRY_COLUMNS).where(ListEntry.subject_type == "vehicle", ListEntry.subject_key.in_(keys))
        )
        return _registry_rows((row._mapping for row in facts), (row._mapping for row in entries), pairs)
    found: dict[str, list[Any]] = {"fact": [], "entry": []}
    plates = {plate for plate, _ in pairs}
    if any("\n" in plate for plate in plates):
        raise ValueError("a plate holds a line break")  # normalise_plate removes every space, this one too
    params = {"plates": "\n".join(plates), "keys": "\n".join(keys)}
    for row in connection.execute(_REGISTRY_BY_PLATES, params):
        found[row.found].append(row)
    facts_rows = ({c.key: row._mapping[c.key] for c in _FACT_COLUMNS} for row in found["fact"])
    entry_rows = ({c.key: row._mapping[f"entry_{c.key}"] for c in _ENTRY_COLUMNS} for row in found["entry"])
    return _registry_rows(facts_rows, entry_rows, pairs)


def _registry_rows(
    facts: Iterable[Mapping[str, Any]], entries: Iterable[Mapping[str, Any]], pairs: set[tuple[str, str]]
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    by_pair = {(row["plate"], row["plate_colour"]): dict(row) for row in facts}
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in entries:
        by_key[row["subject_key"]].append(dict(row))
    return {pair: row for pair, row in by_pair.items() if pair in pairs}, by_key


RegistryGuard = tuple[int, int, int, int]  # facts (count, max feed_seq), entries (count, max feed_seq); -1: none


def registry_guard(fact: Mapping[str, Any] | None, entries: Sequence[Mapping[str, Any]]) -> RegistryGuard:
    """What the replica held for one plate, in figures that change with every change the feed applies
    (a newer change raises feed_seq, a removal lowers the count)."""
    return (
        0 if fact is None else 1,
        -1 if fact is None else fact["feed_seq"],
        len(entries),
        max((e["feed_seq"] for e in entries), default=-1),
    )
