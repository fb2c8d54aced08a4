"""CheckPlates: answer police checks for one plate or up to 1,000, in order, and log every answer for audit."""

from __future__ import annotations

import functools
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shared.db import autocommit_connection, utcnow
from shared.errors import PayloadTooLarge, ValidationFailed
from shared.identifiers import normalise_plate, plate_alternatives
from shared.runtime import gc_paused
from vehicles import parsing
from vehicles.daos.changes import vehicle_record
from vehicles.daos.checks import CHECK_CONNECTION, check_rows, write_check_log
from vehicles.list_rules import check_day, in_season, overdue_plans, subject_verdict
from vehicles.list_terms import LIST_KIND_LABELS_ZH, ListKind, jurisdiction_prefixes, reason_zh

# The longest text a plate can normalise from that is worth answering: 8 characters plus separators. Longer
# input is not a plate (a 30-character string is refused, not searched).
MAX_PLATE_CHARACTERS = 10
BULK_LIMIT = 1000


def likely_plates(text: str, bulk: bool) -> list[str]:
    """Plates an O/0, I/1, B/8 ... misreading of `text` could have meant.

    A single check always searches (a few ms at worst). In a bulk check only a plate that cannot be a plate
    as read (an I or O, a wrong shape) is searched, and for fewer candidates: searching every unknown but
    well-formed plate of 1,000 would cost seconds, and such a plate is far more often an out-of-town vehicle
    than a misreading.
    """
    if not bulk:
        return plate_alternatives(text)
    if normalise_plate(text).valid:
        return []
    return plate_alternatives(text, limit=5)


@dataclass
class CheckQuery:
    """One plate to check, as received, and its reading (or why it cannot be read)."""

    raw: Any
    colour_raw: Any = None
    plate: str | None = None
    colour: str | None = None
    readable: bool = False  # the plate is well-formed as read (normalise_plate(...).valid)
    errors: list[dict[str, str]] = field(default_factory=list)


def read_query(item: Any) -> CheckQuery:
    """Read {"plate", "plate_colour"?}; errors name the field. A misread plate is no error (it gets suggestions)."""
    if not isinstance(item, dict):
        return CheckQuery(item, errors=[{"field": "_item", "reason": "each item is an object with a plate"}])
    query = CheckQuery(item.get("plate"), item.get("plate_colour"))
    raw = query.raw
    if not isinstance(raw, str) or not raw.strip():
        query.errors.append({"field": "plate", "reason": "a plate is required"})
    else:
        reading = normalise_plate(raw)
        text = reading.normalised
        if not text:
            query.errors.append({"field": "plate", "reason": "no plate characters in the text"})
        elif len(unicodedata.normalize("NFKC", raw).strip()) > 40 or len(text) > MAX_PLATE_CHARACTERS:
            query.errors.append(
                {"field": "plate", "reason": f"{len(text)} characters is not a plate (at most 8, 7 for most)"}
            )
        else:
            query.plate, query.readable = text, reading.valid
    if query.colour_raw not in (None, ""):
        try:
            query.colour = parsing.plate_colour(query.colour_raw)
        except ValueError as exc:
            query.errors.append({"field": "plate_colour", "reason": str(exc)})
    return query


def entry_view(entry: Any, day: date) -> dict[str, Any]:
    """A list entry in force as a check answer shows it (plate and machinery checks alike)."""
    scope = entry.seasonal_scope
    return {
        "id": entry.id,
        "list_kind": entry.list_kind,
        "list_kind_zh": LIST_KIND_LABELS_ZH[ListKind(entry.list_kind)],
        "reason_code": entry.reason_code,
        "reason_zh": reason_zh(entry.reason_code),
        "effective_from": entry.effective_from.isoformat(),
        "until": entry.until.isoformat() if entry.until else None,
        "seasonal_scope": scope,
        "in_season": in_season(day, scope["from"], scope["to"]) if scope else None,
        "authority": entry.authority,
        "evidence": entry.evidence,
    }


@dataclass
class CheckPlates:
    """Answer each query against the registry and the lists as of now; log one audit row per query."""

    items: list[Any]
    actor: str
    role: str
    bulk: bool = False
    now: datetime = field(default_factory=utcnow)

    def run(self) -> list[dict[str, Any]]:
        """Run the command; one answer per item, in order."""
        if len(self.items) > BULK_LIMIT:
            raise PayloadTooLarge(
                f"{len(self.items)} plates in one request; the limit is {BULK_LIMIT}",
                errors=[{"field": "items", "reason": f"at most {BULK_LIMIT} items"}],
                limit=BULK_LIMIT,
            )
        if not self.bulk:
            return self._run()
        with gc_paused():  # some hundred thousand small objects: the collector's passes cost 10-40 ms a call
            return self._run()

    def _run(self) -> list[dict[str, Any]]:
        queries = [read_query(item) for item in self.items]
        day = self._day()
        # Autocommit: the reads need no transaction and the audit rows are one statement (atomic alone), so a
        # check costs two round trips (read, log) instead of seven. The log's commit waits for the WAL flush, as
        # every commit does: a check is answered only once its audit row is durable.
        with autocommit_connection(settings=CHECK_CONNECTION) as connection:
            plates = {q.plate for q in queries if q.plate}
            # A bulk check searches likely plates only for plates that cannot be read as they are
            # (likely_plates), which is known before any look-up: they go in the same statement. A well-formed
            # reading is its own normal form, so likely_plates has nothing for it.
            early = {q.plate: likely_plates(q.plate, True) for q in queries if q.plate and not q.readable
                     } if self.bulk else {}
            wanted = {a for alts in early.values() for a in alts}
            rows = check_rows(connection, plates | wanted, day)
            entries = self._entries_by_subject(rows.entries)
            subjects = [self._subjects(q, rows.vehicles, entries) if q.plate else [] for q in queries]
            missed = {q.plate for q, found in zip(queries, subjects, strict=True) if q.plate and not found}
            if self.bulk:
                alternatives = {p: early.get(p, []) for p in missed}
                wanted = {a for alts in alternatives.values() for a in alts}
                known = {p for p in wanted if p in rows.vehicles or p in entries}
            else:
                alternatives = {p: likely_plates(p, self.bulk) for p in missed}
                known = set()
                wanted = {a for alts in alternatives.values() for a in alts}
                if wanted:
                    # "did you mean": searched only for plates without an exact hit
                    nearby = check_rows(connection, wanted, day, plans=False)
                    known = set(nearby.vehicles) | {entry.plate for entry in nearby.entries}
            plans = _overdue_plans(rows.plans, day)
            answers = [
                self._answer(i, q, found, plans, day, alternatives, known)
                for i, (q, found) in enumerate(zip(queries, subjects, strict=True))
            ]
            batch = secrets.token_hex(8) if self.bulk else None
            write_check_log(connection, self.now, self.actor, self.role, batch,
                            [self._log(q, a) for q, a in zip(queries, answers, strict=True)])
        if not self.bulk and not answers[0]["ok"]:
            # logged above like every check; a single check's bad input is still the caller's 422
            errors = answers[0]["errors"]
            raise ValidationFailed("; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)
        return answers

    def _day(self) -> date:
        return check_day(self.now)

    @staticmethod
    def _entries_by_subject(rows: list[Any]) -> dict[str, dict[str, list[Any]]]:
        """plate -> colour -> entries."""
        out: dict[str, dict[str, list[Any]]] = {}
        for entry in rows:
            out.setdefault(entry.plate, {}).setdefault(entry.plate_colour, []).append(entry)
        return out

    @staticmethod
    def _subjects(q: CheckQuery, vehicles: dict[str, list[Any]], entries: dict[str, dict[str, list[Any]]]) -> list:
        """[((plate, colour), vehicle row or None, entries)] for every registered or listed plate + colour."""
        listed = entries.get(q.plate or "", {})
        keys = {v.plate_colour: v for v in vehicles.get(q.plate or "", [])}
        for colour in listed:
            keys.setdefault(colour, None)
        return [((q.plate, colour), keys[colour], listed.get(colour, []))
                for colour in sorted(keys) if q.colour is None or colour == q.colour]

    def _answer(self, index: int, q: CheckQuery, found: list[Any], plans: Any, day: Any,
                alternatives: Any, known: set[str]) -> dict[str, Any]:
        answer: dict[str, Any] = {"query": {"raw": q.raw, "plate": q.plate, "plate_colour": q.colour}}
        if self.bulk:
            answer["index"] = index
        if q.errors:
            return {**answer, "ok": False, "errors": q.errors}
        subjects = []
        for (plate, colour), vehicle, listed in found:
            verdict = subject_verdict(vehicle, listed, plans, self.now, day)
            subjects.append({
                "plate": plate,
                "plate_colour": colour,
                "registered": vehicle is not None,
                "vehicle": vehicle_record(vehicle) if vehicle is not None else None,
                "blacklisted": verdict["blacklisted"],
                "key_supervised": verdict["key_supervised"],
                "banned": verdict["banned"],
                "ban_reasons": [b.as_dict() for b in verdict["ban_reasons"]],
                "entries": [entry_view(e, day) for e in verdict["active"]],
            })
        suggestions = sorted(alternatives.get(q.plate, []), key=lambda p: p not in known)
        return {
            **answer,
            "ok": True,
            "checked_at": self.now.isoformat(),
            "found": bool(subjects),
            "blacklisted": any(s["blacklisted"] for s in subjects),
            "key_supervised": any(s["key_supervised"] for s in subjects),
            "banned": any(s["banned"] for s in subjects),
            "subjects": subjects,
            "suggestions": [{"plate": p, "known": p in known} for p in suggestions] if not subjects else [],
        }

    @staticmethod
    def _log(q: CheckQuery, answer: dict[str, Any]) -> tuple[Any, ...]:
        """The audit row of one answer (daos.checks.CHECK_LOG_FIELDS): what was asked, what was told."""
        raw = q.raw if isinstance(q.raw, str) else (None if q.raw is None else repr(q.raw))
        if not answer["ok"]:
            summary = {"subjects": [], "entry_ids": [], "ban_codes": [], "suggestions": [],
                       "errors": answer["errors"]}
            return raw[:80] if raw else raw, q.plate, q.colour, False, False, False, False, summary
        subjects = answer["subjects"]
        summary = {
            "subjects": [[s["plate"], s["plate_colour"]] for s in subjects],
            "entry_ids": [e["id"] for s in subjects for e in s["entries"]],
            "ban_codes": sorted({b["code"] for s in subjects for b in s["ban_reasons"]}) if answer["banned"] else [],
            "suggestions": [s["plate"] for s in answer["suggestions"]],
            "errors": [],
        }
        return (raw[:80] if raw else raw, q.plate, q.colour, True, answer["found"], answer["blacklisted"],
                answer["banned"], summary)


def _overdue_plans(rows: list[Any], day: date) -> list[Any]:
    """list_rules.overdue_plans of these plan rows on `day`, remembered per process: every check reads the same few
    plans (rows of plain values, so the key is their whole content and a changed plan is a new key), and building
    them cost a single check more than its answer."""
    return _overdue_plans_of(tuple(rows), day)


@functools.lru_cache(maxsize=16)  # a new day or changed plans: the old keys are not asked again
def _overdue_plans_of(rows: tuple[Any, ...], day: date) -> list[Any]:
    return overdue_plans(list(rows), jurisdiction_prefixes(), day)
