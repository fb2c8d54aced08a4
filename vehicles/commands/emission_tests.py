"""Record emission tests and run the list rules (not repaired in time; ≥10 % of a fleet over-emitting)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select

from shared.db import unit_of_work, utcnow
from shared.errors import Conflict
from shared.timeutil import local_date
from vehicles.commands.lists import new_entry_id
from vehicles.daos.changes import append_changes
from vehicles.daos.emission_tests import fleet_counts, open_rule_entry, unrepaired_failures
from vehicles.daos.lists import ADDED, feed_key, feed_record, vehicle_subject_key
from vehicles.list_rules import fleet_share_reached
from vehicles.list_terms import rule_setting
from vehicles.models import EmissionTest, ListEntry, ListEntryEvent, Vehicle

RULE_ACTOR = "rule job"
FACTS = ("plate", "plate_colour", "kind", "tested_on", "passed", "station")


@dataclass
class RuleReport:
    """What one run of the rules did: entries made, each with the rule that fired and its evidence."""

    as_of: date
    made: list[dict[str, Any]] = field(default_factory=list)


def _entry(facts: dict[str, Any]) -> SimpleNamespace:
    """An entry row the rule job makes (written in bulk with its event by _write)."""
    return SimpleNamespace(id=new_entry_id(), created_by=RULE_ACTOR, created_at=utcnow(), supersedes=None, until=None,
                           seasonal_scope=None, authority="规则任务 (rule job)", issued_by=RULE_ACTOR, lifted_at=None,
                           lifted_by=None, lift_reason=None, **facts)


def _write(session: Any, made: list[SimpleNamespace]) -> None:
    """Insert the entries, their `added` events and their feed items in three statements (thousands at once)."""
    if not made:
        return
    connection = session.connection()
    connection.execute(insert(ListEntry.__table__), [vars(e) for e in made])
    connection.execute(insert(ListEntryEvent.__table__), [
        {"entry_id": e.id, "kind": "added", "actor": RULE_ACTOR, "at": e.created_at, "reason": e.note,
         "related_entry": None} for e in made
    ])
    append_changes(session, [(ADDED, feed_key(e), feed_record(e)) for e in made])  # type: ignore[arg-type]


@dataclass
class RunListRules:
    """Apply the list rules as of a day; idempotent (an entry per failed test, one open entry per enterprise)."""

    as_of: date
    plate: str | None = None  # scope to one vehicle / one owner after a write
    uscc: str | None = None
    scoped: bool = False

    def run(self) -> RuleReport:
        """Run the command."""
        report = RuleReport(self.as_of)
        with unit_of_work() as session:
            made: list[SimpleNamespace] = []
            repair = rule_setting("not_repaired_in_time", self.as_of)
            if not self.scoped or self.plate:
                for test, deadline in unrepaired_failures(session, self.as_of, repair["repair_days"], self.plate):
                    note = (f"rule not_repaired_in_time fired: failed {test.kind} test {test.test_ref} on "
                            f"{test.tested_on}, no passing test by {deadline} ({repair['repair_days']} days)")
                    made.append(_entry({
                        "subject_type": "vehicle", "subject_key": vehicle_subject_key(test.plate, test.plate_colour),
                        "plate": test.plate, "plate_colour": test.plate_colour, "list_kind": repair["list_kind"],
                        "reason_code": "not_repaired_in_time", "evidence": [test.test_ref],
                        "effective_from": deadline.fromordinal(deadline.toordinal() + 1), "note": note,
                        "rule_key": f"not_repaired:{test.test_ref}",
                    }))
            fleet = rule_setting("fleet_over_emission", self.as_of)
            if not self.scoped or self.uscc:
                for uscc, size, failing in fleet_counts(session, self.as_of, fleet["window_days"], self.uscc):
                    if not fleet_share_reached(failing, size, fleet["share_percent"]):
                        continue
                    if open_rule_entry(session, "enterprise", uscc, "fleet_over_emission"):
                        continue
                    note = (f"rule fleet_over_emission fired: {failing} of {size} vehicles failed an emission "
                            f"test in the {fleet['window_days']} days to {self.as_of} (≥{fleet['share_percent']}%)")
                    made.append(_entry({
                        "subject_type": "enterprise", "subject_key": uscc, "plate": None, "plate_colour": None,
                        "list_kind": fleet["list_kind"], "reason_code": "fleet_over_emission",
                        "evidence": [f"{failing}/{size} vehicles, window to {self.as_of}"],
                        "effective_from": self.as_of, "note": note,
                        "rule_key": f"fleet:{uscc}:{self.as_of.isoformat()}:{new_entry_id()}",
                    }))
            _write(session, made)
            report.made = [{"entry_id": e.id, "reason_code": e.reason_code, "subject_key": e.subject_key,
                            "evidence": e.evidence, "rule": e.note} for e in made]
        return report


@dataclass
class RecordEmissionTest:
    """Record one test (a resent report is the same row: 200), then run the rules for that vehicle and owner."""

    facts: dict[str, Any]
    actor: str

    def run(self) -> tuple[EmissionTest, bool]:
        """Run the command; returns (test, created)."""
        with unit_of_work() as session:
            stored = session.scalars(
                select(EmissionTest).where(EmissionTest.test_ref == self.facts["test_ref"])
            ).one_or_none()
            if stored is not None:
                differs = [n for n in FACTS if getattr(stored, n) != self.facts[n]]
                if differs:
                    raise Conflict(f"test {stored.test_ref} was recorded with other facts",
                                   errors=[{"field": n, "reason": "differs from the recorded test"} for n in differs])
                return stored, False
            test = EmissionTest(**self.facts, recorded_by=self.actor)
            session.add(test)
            session.flush()
            owner = session.scalar(select(Vehicle.owner_uscc).where(
                Vehicle.plate == test.plate, Vehicle.plate_colour == test.plate_colour))
        RunListRules(local_date(utcnow()), plate=test.plate, uscc=owner, scoped=True).run()
        return test, True
