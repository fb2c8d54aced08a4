"""IngestPassages: validate, deduplicate by (site, event_id), enrich from the replica, store, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marshmallow import ValidationError

from gatecontrol import daos
from gatecontrol.cache import app_cache, registry_seen
from gatecontrol.config import gate_settings
from gatecontrol.partitions import ensure_partitions
from gatecontrol.rules import (
    FUTURE_TOLERANCE,
    capture_window_problem,
    differing_fields,
    enrich,
    fingerprint,
    months_before,
    passage_flags,
)
from gatecontrol.schemas import PassageSchema, fast_load
from shared.db import autocommit_connection, autocommit_session, database, session, unit_of_work, utcnow
from shared.errors import Conflict, PayloadTooLarge, ValidationFailed, flatten_messages
from shared.identifiers import PlateKind, normalise_plate
from shared.runtime import gc_paused

logger = logging.getLogger(__name__)
MAX_BATCH = 1000
# A batch this large runs with the cyclic garbage collector paused (see gc_paused)
GC_PAUSED_FROM = 20
_schema = PassageSchema()


@dataclass(slots=True)
class ItemResult:
    """What happened to one posted passage."""

    index: int
    event_id: str | None
    status: str  # created | duplicate | conflict | rejected
    errors: list[dict[str, str]] = field(default_factory=list)
    record: dict[str, Any] | None = None


def with_flags(row: dict[str, Any]) -> dict[str, Any]:
    """A ledger row with its flag names, as the API returns it."""
    return {**row, "flags": passage_flags(row)}


@dataclass
class IngestPassages:
    """Store a site's passages: new ones created, exact repeats reported as duplicates, the rest refused."""

    site_id: str
    items: Sequence[Any]
    parsed: bool = False  # items already loaded by PassageSchema (the single POST's view did it)
    now: datetime = field(default_factory=utcnow)

    def run(self) -> list[ItemResult]:
        """Ingest the items: one result per item, in order."""
        if len(self.items) > MAX_BATCH:
            raise PayloadTooLarge(
                f"a batch holds at most {MAX_BATCH} passages, this one {len(self.items)}; split it",
                errors=[{"field": "passages", "reason": f"more than {MAX_BATCH} items"}],
            )
        if len(self.items) < GC_PAUSED_FROM:
            return self._run()
        with gc_paused():
            return self._run()

    def _run(self) -> list[ItemResult]:
        settings = gate_settings()
        results: list[ItemResult] = []
        valid: list[tuple[ItemResult, dict[str, Any]]] = []
        # the capture window, computed once for the batch (capture_window_problem says why an item is outside)
        self._window = (months_before(self.now, settings.ledger_months), self.now + FUTURE_TOLERANCE)
        # the request's session, for the gates if not cached (and any later unit of work): a read of its own
        gates = app_cache("site_gates").get(self.site_id, lambda: daos.gate_ids(session(), self.site_id))
        for index, raw in enumerate(self.items):
            result, data = self._parse(index, raw, gates, settings.ledger_months)
            results.append(result)
            if data is not None:
                valid.append((result, data))
        first: dict[str, dict[str, Any]] = {}
        for _result, data in valid:
            # the same event twice in one batch: the first one is stored, the others judged against it
            first.setdefault(data["event_id"], data)
        fresh = list(first.values())
        engine = database().engine
        ensure_partitions(engine, _month_samples(d["captured_at"] for d in fresh))
        few = daos.claims_with_insert(engine, len(fresh))
        # few rows (the single POST): the one write claims the keys and stores the rows together, so it is
        # atomic alone and runs in autocommit, without BEGIN and COMMIT round trips (nor a unit of work)
        done = self._store_with_last_seen_facts(first, fresh[0]) if few and len(fresh) == 1 else None
        if done is None and few:
            with autocommit_session() as quick_session:
                done = self._store(quick_session, first, fresh, one_statement=True)
        if done is None:
            with unit_of_work() as db_session:
                done = self._store(db_session, first, fresh, one_statement=False)
        created, new_rows, stored = done
        rows_by_event = {row["event_id"]: row for row in new_rows} | stored
        for result, data in valid:
            row = rows_by_event.get(data["event_id"])
            if data["event_id"] in created and data is first[data["event_id"]]:
                result.status, result.record = "created", row
            elif row is None:
                # the key outlived its ledger row (purged after retention): the event was stored once
                result.status = "duplicate"
            else:
                self._judge_repeat(result, data, row)
        if not self.parsed:  # a batch; the single POST's outcome is its access log line (201, 200, 409 or 422)
            counts: dict[str, int] = {}
            for result in results:
                counts[result.status] = counts.get(result.status, 0) + 1
            logger.info("passages ingested", extra={"site_id": self.site_id, "results": counts})
        return results

    def _store(
        self, db_session: Any, first: dict[str, dict[str, Any]], fresh: list[dict[str, Any]], one_statement: bool
    ) -> tuple[set[str], list[dict[str, Any]], dict[str, dict[str, Any]]]:
        """Claim the keys and store the new rows: (created event_ids, their rows, stored rows of the others)."""
        if one_statement:
            # enrich every candidate, then claim and store in one statement
            candidates = self._build_rows(db_session, fresh)
            created = daos.claim_and_insert_passages(db_session, self.site_id, candidates)
            new_rows = [row for row in candidates if row["event_id"] in created]
        else:
            created = daos.claim_passage_keys(db_session, self.site_id, fresh)
            new_rows = self._build_rows(db_session, [d for d in fresh if d["event_id"] in created])
            daos.insert_passages(db_session, new_rows)
        stored = daos.stored_passages(db_session, self.site_id, first.keys() - created)
        return created, new_rows, stored

    def _store_with_last_seen_facts(
        self, first: dict[str, dict[str, Any]], data: dict[str, Any]
    ) -> tuple[set[str], list[dict[str, Any]], dict[str, dict[str, Any]]] | None:
        """One round trip instead of two for a single passage: enrich it from what this process last read
        for its plate (nothing yet: an unknown vehicle) and store it if the replica still says exactly that.
        None when it does not (the caller reads the replica and stores as usual)."""
        plate = normalise_plate(data["plate"])
        if not plate.valid:  # nothing to look up: the row does not depend on the replica
            return None
        pair = (plate.normalised, data["plate_colour"])
        fact, entries = registry_seen().get(pair) or (None, [])
        (row,) = self._rows([data], {data["event_id"]: plate}, {pair: fact} if fact else {}, {_key(pair): entries})
        with autocommit_connection() as connection:
            unchanged, created = daos.claim_and_insert_if_registry_unchanged(
                connection, self.site_id, row, pair, daos.registry_guard(fact, entries)
            )
            if not unchanged:
                return None
            stored = daos.stored_passages(connection, self.site_id, first.keys() - created)
        return created, [row] if created else [], stored

    def _parse(
        self, index: int, raw: Any, gates: set[str], ledger_months: int
    ) -> tuple[ItemResult, dict[str, Any] | None]:
        event_id = raw.get("event_id") if isinstance(raw, dict) else None
        result = ItemResult(index, event_id if isinstance(event_id, str) else None, "pending")
        try:
            data = dict(raw) if self.parsed else (fast_load(raw) or _schema.load(raw))
        except ValidationError as exc:
            result.status, result.errors = "rejected", flatten_messages(exc.messages)
            return result, None
        errors = []
        if data["gate_id"] not in gates and not self._gate_registered_since(gates, data["gate_id"]):
            errors.append({"field": "gate_id", "reason": f"not a gate of site {self.site_id}"})
        oldest, latest = self._window
        if not oldest <= data["captured_at"] <= latest:
            problem = capture_window_problem(data["captured_at"], self.now, ledger_months)
            if problem:
                errors.append({"field": "captured_at", "reason": problem})
        if errors:
            result.status, result.errors = "rejected", errors
            return result, None
        data["fingerprint"] = fingerprint(data)
        return result, data

    def _gate_registered_since(self, gates: set[str], gate_id: str) -> bool:
        """A gate missing from the cached list may have been registered a moment ago: ask the database once."""
        if getattr(self, "_gates_refreshed", False):
            return False
        self._gates_refreshed = True
        gates |= daos.gate_ids(session(), self.site_id)
        return gate_id in gates

    def _judge_repeat(self, result: ItemResult, data: dict[str, Any], stored: dict[str, Any]) -> None:
        differing = differing_fields(data, stored)
        if differing:
            result.status = "conflict"
            result.errors = [{"field": name, "reason": "differs from the stored passage"} for name in differing]
        else:
            result.status, result.record = "duplicate", stored

    def _build_rows(self, db_session: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        plates = {}
        for data in items:
            plate = normalise_plate(data["plate"])
            plates[data["event_id"]] = plate
        pairs = [(p.normalised, d["plate_colour"]) for d, p in ((d, plates[d["event_id"]]) for d in items) if p.valid]
        facts, entries = daos.vehicle_registry(db_session, pairs)
        seen = registry_seen()
        for pair in pairs:  # remembered for the next single POST of these vehicles
            fact, found = facts.get(pair), entries.get(_key(pair))
            # nothing remembered already reads as nothing in the replica: an unknown vehicle costs no entry
            if fact is not None or found or seen.get(pair) is not None:
                seen.put(pair, (fact, found or []))
        return self._rows(items, plates, facts, entries)

    def _rows(
        self,
        items: list[dict[str, Any]],
        plates: dict[str, Any],
        facts: Mapping[tuple[str, str], dict[str, Any]],
        entries: Mapping[str, list[dict[str, Any]]],
    ) -> list[dict[str, Any]]:
        rows = []
        for data in items:
            plate = plates[data["event_id"]]
            key = (plate.normalised, data["plate_colour"])
            vehicle = facts.get(key) if plate.valid else None
            snapshot = enrich(data, vehicle, entries.get(_key(key), []) if plate.valid else [])
            rows.append(
                {
                    "site_id": self.site_id,
                    "event_id": data["event_id"],
                    "gate_id": data["gate_id"],
                    "direction": data["direction"],
                    "captured_at": data["captured_at"],
                    "received_at": self.now,
                    "backfill": data["backfill"],
                    "fingerprint": data["fingerprint"],
                    "plate": "" if plate.kind is PlateKind.UNREADABLE else plate.normalised[:16],
                    "plate_raw": data["plate"],
                    "plate_colour": data["plate_colour"],
                    # plans 000 item 16 / 004 item 30: the COMPLETE plate must be recorded
                    "plate_complete": plate.valid,
                    "vin": data["vin"],
                    "engine_no": data["engine_no"],
                    "registration_date": data["registration_date"],
                    "reported_stage": data["emission_stage"],
                    "reported_fuel": data["fuel"],
                    "reported_vehicle_type": data["vehicle_type"],
                    "goods": data["goods"],
                    "quantity_t": data["quantity_t"],
                    "carrier": data["carrier"],
                    "photos": data["photos"],
                    **snapshot.columns(),
                }
            )
        return rows


def _month_samples(instants: Iterable[datetime]) -> list[datetime]:
    """Instants falling in the same city months as all of `instants`, fewer: finding an instant's city month
    costs a time-zone conversion. An instant on days 3-26 of its month, as written, is two days or more from
    the month's ends, further than any two UTC offsets are apart (26 hours), so it falls in that month in the
    city too: one per month stands for all those; instants nearer the ends are all kept."""
    samples: dict[tuple[int, int], datetime] = {}
    near_ends = []
    for moment in instants:
        if 3 <= moment.day <= 26:
            samples.setdefault((moment.year, moment.month), moment)
        else:
            near_ends.append(moment)
    return [*samples.values(), *near_ends]


def _key(pair: tuple[str, str]) -> str:
    """A vehicle's subject key in the list-entry replica: 'plate|colour'."""
    return f"{pair[0]}|{pair[1]}"


def ingest_one(site_id: str, passage: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Store one parsed passage: (record, created). 422 when refused, 409 naming the fields that differ."""
    (result,) = IngestPassages(site_id, [passage], parsed=True).run()
    if result.status == "rejected":
        raise ValidationFailed("; ".join(f"{e['field']}: {e['reason']}" for e in result.errors), errors=result.errors)
    if result.status == "conflict":
        raise Conflict(
            f"event {result.event_id} was stored before with different content",
            errors=result.errors,
            event_id=result.event_id,
        )
    record = result.record or {"site_id": site_id, "event_id": result.event_id}
    return with_flags(record) if result.record else record, result.status == "created"
