"""List commands: add an entry, lift it, correct it (a new entry superseding the old); each feeds the change log."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from shared.db import unit_of_work, utcnow
from shared.errors import Conflict, ValidationFailed
from vehicles.daos.changes import append_changes
from vehicles.daos.lists import ADDED, LIFTED, feed_key, feed_record, get_entry
from vehicles.list_rules import entry_problems
from vehicles.models import ListEntry, ListEntryEvent

# Facts that make two requests the same listing (a retried POST finds the entry it made).
IDENTITY = ("subject_type", "subject_key", "list_kind", "reason_code", "effective_from", "until", "seasonal_scope",
            "evidence")


def new_entry_id() -> str:
    """A time-ordered id: milliseconds in hex, then random (so ordering by id lists entries as made)."""
    return f"{int(time.time() * 1000):012x}{secrets.token_hex(6)}"


def _retried(session: Any, facts: dict[str, Any]) -> ListEntry | None:
    query = select(ListEntry).where(
        ListEntry.subject_type == facts["subject_type"],
        ListEntry.subject_key == facts["subject_key"],
        ListEntry.list_kind == facts["list_kind"],
        ListEntry.reason_code == facts["reason_code"],
        ListEntry.effective_from == facts["effective_from"],
        ListEntry.lifted_at.is_(None),
    )
    for entry in session.scalars(query):
        if all(getattr(entry, name) == facts[name] for name in IDENTITY):
            return entry
    return None


def _add(session: Any, facts: dict[str, Any], actor: str, supersedes: str | None = None,
         at: datetime | None = None) -> ListEntry:
    entry = ListEntry(id=new_entry_id(), supersedes=supersedes, created_by=actor, created_at=at or utcnow(), **facts)
    session.add(entry)
    session.flush()
    session.add(ListEntryEvent(entry_id=entry.id, kind="added", actor=actor, at=entry.created_at,
                               reason=facts.get("note")))
    return entry


def _lift(session: Any, entry: ListEntry, reason: str, actor: str, at: datetime) -> None:
    if entry.lifted_at is not None:
        raise Conflict(
            f"entry {entry.id} was already lifted at {entry.lifted_at.isoformat()} by {entry.lifted_by}",
            errors=[{"field": "entry_id", "reason": "already lifted"}],
        )
    entry.lifted_at, entry.lifted_by, entry.lift_reason = at, actor, reason
    session.add(ListEntryEvent(entry_id=entry.id, kind="lifted", actor=actor, at=at, reason=reason))


@dataclass
class AddListEntry:
    """Put a subject on a list; the same request again returns the entry it made (200, not a duplicate)."""

    facts: dict[str, Any]
    actor: str
    recorded_at: datetime | None = None  # now; an earlier time only when loading history (the demo city)

    def run(self) -> tuple[ListEntry, bool]:
        """Run the command; returns (entry, created)."""
        with unit_of_work() as session:
            existing = _retried(session, self.facts)
            if existing is not None:
                return existing, False
            entry = _add(session, self.facts, self.actor, at=self.recorded_at)
            append_changes(session, [(ADDED, feed_key(entry), feed_record(entry))])
            return entry, True


@dataclass
class LiftListEntry:
    """Lift an entry with a reason (409 if it is lifted already); the entry stays in the history."""

    entry_id: str
    reason: str
    actor: str
    lifted_at: datetime | None = None  # now; an earlier time only when loading history (the demo city)

    def run(self) -> ListEntry:
        """Run the command."""
        with unit_of_work() as session:
            entry = get_entry(session, self.entry_id, for_update=True)
            _lift(session, entry, self.reason, self.actor, self.lifted_at or utcnow())
            session.flush()
            append_changes(session, [(LIFTED, feed_key(entry), feed_record(entry))])
            return entry


@dataclass
class CorrectListEntry:
    """Correct an entry: lift it as corrected and add the corrected entry, which names the one it supersedes."""

    entry_id: str
    changes: dict[str, Any]
    reason: str
    actor: str

    def run(self) -> ListEntry:
        """Run the command; returns the new entry."""
        with unit_of_work() as session:
            old = get_entry(session, self.entry_id, for_update=True)
            now = utcnow()
            _lift(session, old, f"corrected: {self.reason}", self.actor, now)
            facts = {name: getattr(old, name) for name in CORRECTABLE + SUBJECT}
            facts.update(self.changes)
            problems = entry_problems(facts)
            if problems:
                raise ValidationFailed("; ".join(f"{p['field']}: {p['reason']}" for p in problems), errors=problems)
            new = _add(session, facts, self.actor, supersedes=old.id)
            session.add(ListEntryEvent(entry_id=old.id, kind="corrected", actor=self.actor, at=now,
                                       reason=self.reason, related_entry=new.id))
            session.flush()
            append_changes(session, [(LIFTED, feed_key(old), feed_record(old)),
                                     (ADDED, feed_key(new), feed_record(new))])
            return new


SUBJECT = ("subject_type", "subject_key", "plate", "plate_colour")
CORRECTABLE = ("list_kind", "reason_code", "evidence", "authority", "issued_by", "effective_from", "until",
               "seasonal_scope", "note")
