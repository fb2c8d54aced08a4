"""Machinery figures: spot-check coverage of a year, the monthly summary for the report (contract V1), and the
police check of a machinery code (logged like plate checks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.db import unit_of_work, utcnow
from shared.errors import ValidationFailed
from shared.timeutil import month_range
from vehicles.commands.checks import entry_view
from vehicles.commands.machinery import (
    applied_rules,
    machine_context,
    machine_record,
    zones_for,
)
from vehicles.daos.checks import write_log
from vehicles.daos.machinery import (
    active_on,
    area_clause,
    coverage_counts,
    failed_clause,
    find_machine,
    machine_entries,
    plans_for,
)
from vehicles.list_rules import check_day, entry_bans, entry_in_force
from vehicles.list_terms import ListKind
from vehicles.machinery_rules import AppliedRule, machine_bans, share, target_fraction, target_met
from vehicles.machinery_terms import NonroadStage, machinery_policy, normalise_code, parse_code
from vehicles.models import Machine, MachineInspection

FAILURES_LISTED = 500


def _target(session: Session, day: date, jurisdiction: str = "linfen") -> AppliedRule | None:
    return applied_rules(session, day).get(("emission_test_share", jurisdiction))


def _target_dict(rule: AppliedRule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {"code": rule.code, "value": target_fraction(rule), "source_document": rule.source_document,
            "source_item": rule.source_item}


def coverage(session: Session, year: int, last: date, area: str | None) -> dict[str, Any]:
    """Machines active on `last` and those emission-tested from 1 January of `year` to `last`, per district."""
    counts = coverage_counts(session, date(year, 1, 1), last, area)
    registered = sum(c[0] for c in counts.values())
    tested = sum(c[1] for c in counts.values())
    rule = _target(session, last)
    return {
        "year": year,
        "registered": registered,
        "tested": tested,
        "share": share(tested, registered),
        "target": _target_dict(rule),
        "by_district": [
            {"district_code": district, "registered": reg, "tested": hit, "share": share(hit, reg)}
            for district, (reg, hit) in counts.items()
        ],
        "_rule": rule,
    }


def _failure(inspection: MachineInspection, code: str) -> dict[str, Any]:
    return {
        "machine_code": code,
        "inspection_ref": inspection.inspection_ref,
        "district_code": inspection.district_code,
        "tested_on": inspection.inspected_on.isoformat(),
        "opacity": float(inspection.opacity) if inspection.opacity is not None else None,
        "limit": float(inspection.opacity_limit) if inspection.opacity_limit is not None else None,
        "black_smoke": inspection.black_smoke,
        "follow_up": inspection.follow_up,
        "deadline": inspection.follow_up_deadline.isoformat() if inspection.follow_up_deadline else None,
    }


def _inspections(session: Session, first: date, last: date, area: str | None, *conditions: Any) -> Any:
    return (
        select(MachineInspection, Machine.code)
        .join(Machine, Machine.id == MachineInspection.machine_id)
        .where(MachineInspection.inspected_on >= first, MachineInspection.inspected_on <= last,
               area_clause(MachineInspection.district_code, area), *conditions)
    )


def failures(session: Session, first: date, last: date, area: str | None, limit: int) -> tuple[int, list[dict]]:
    """(count, first `limit`) of failed inspections in [first, last] by the inspection's district."""
    query = _inspections(session, first, last, area, failed_clause())
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(MachineInspection.inspected_on, Machine.code, MachineInspection.id)
                           .limit(limit))
    return int(total or 0), [_failure(inspection, code) for inspection, code in rows]


def coverage_report(session: Session, year: int, area: str | None, today: date) -> dict[str, Any]:
    """GET /api/v1/machinery/coverage: the year's coverage to date, planned counts, failures and follow-ups."""
    last = min(date(year, 12, 31), today)
    report = coverage(session, year, last, area)
    rule = report.pop("_rule")
    plans = {p.district_code: p.planned_count for p in plans_for(session, year, area)}
    for row in report["by_district"]:
        row["planned_count"] = plans.get(row["district_code"])
        row["target_met"] = target_met(row["tested"], row["registered"], rule)
    report["as_of_day"] = last.isoformat()
    report["target_met"] = target_met(report["tested"], report["registered"], rule)
    report["planned_count"] = sum(plans.values()) if plans else None
    total, listed = failures(session, date(year, 1, 1), last, area, FAILURES_LISTED)
    report["failures_total"] = total
    report["failures"] = listed
    return report


@dataclass
class SummariseMachinery:
    """Contract V1: the month's machinery figures for the monthly report (month cut in Asia/Shanghai)."""

    month: str
    area: str | None
    now: datetime = field(default_factory=utcnow)

    def run(self) -> dict[str, Any]:
        """Run the (read-only) command."""
        first, last = month_range(self.month)
        with unit_of_work() as session:
            in_area = area_clause(Machine.district_code, self.area)
            active = active_on(last)
            by_type = session.execute(
                select(Machine.machine_type, func.count()).where(active, in_area)
                .group_by(Machine.machine_type).order_by(Machine.machine_type)
            ).all()
            by_stage = session.execute(
                select(Machine.emission_stage, func.count()).where(active, in_area)
                .group_by(Machine.emission_stage).order_by(Machine.emission_stage)
            ).all()
            new = session.scalar(select(func.count()).select_from(Machine).where(
                in_area, Machine.registered_on >= first, Machine.registered_on <= last))
            old_stages = [s.value for s in NonroadStage
                          if s.number is not None and s.number <= int(machinery_policy()["elimination_max_stage"])]
            below = session.scalar(select(func.count()).select_from(Machine).where(
                active, in_area, Machine.emission_stage.in_(old_stages)))
            cover = coverage(session, first.year, last, self.area)
            cover.pop("_rule")
            fail_total, fail_rows = failures(session, first, last, self.area, FAILURES_LISTED)
            for row in fail_rows:
                row.pop("inspection_ref")
            violations = session.execute(
                _inspections(session, first, last, self.area, MachineInspection.lez_violation.is_(True))
                .order_by(MachineInspection.inspected_on, Machine.code, MachineInspection.id)
            ).all()
        return {
            "month": self.month,
            "area": self.area,
            "as_of": self.now.isoformat(),
            "registered": {
                "active_at_month_end": sum(int(c) for _, c in by_type),
                "new_in_month": int(new or 0),
                "by_type": [{"machine_type": t, "count": int(c)} for t, c in by_type],
                "by_stage": [{"stage": s, "count": int(c)} for s, c in by_stage],
            },
            "coverage": cover,
            "failures_total": fail_total,
            "failures": fail_rows,
            "lez_violations_total": len(violations),
            "lez_violations": [
                {"machine_code": code, "zone_id": inspection.zone_id, "found_on": inspection.inspected_on.isoformat(),
                 "reasons": [r["zh"] for r in inspection.lez_reasons]}
                for inspection, code in violations
            ],
            "below_china_1_active": int(below or 0),
        }


@dataclass
class CheckMachine:
    """A police check of a machinery code: the machine's facts, its list entries in force, whether it is banned
    today in the zones of its district (and why); logged in check_log like a plate check."""

    raw: Any
    actor: str
    role: str
    on_construction_site: bool = False
    now: datetime = field(default_factory=utcnow)

    def run(self) -> dict[str, Any]:
        """Run the command; the answer (an unregistered code is `found: false`, still checked against lists)."""
        day = check_day(self.now)
        try:
            code = parse_code(self.raw)
        except ValueError as exc:
            errors = [{"field": "code", "reason": str(exc)}]
            with unit_of_work() as session:
                refused = self._log(normalise_code(self.raw) or None, False, False, False, {"errors": errors})
                write_log(session, [refused])
            # logged like every check; the caller still gets its 422
            raise ValidationFailed(f"code: {exc}", errors=errors) from exc
        with unit_of_work() as session:
            machine = find_machine(session, code)
            entries = [e for e in machine_entries(session, code) if entry_in_force(e, day, self.now)]
            if machine is not None:
                ctx = machine_context(session, machine, day, zones_for(session, None, machine.district_code),
                                      on_construction_site=self.on_construction_site, entries=entries, now=self.now)
                bans = machine_bans(machine, ctx)
                zones = [z.zone_id for z in ctx.zones]
            else:
                bans, zones = entry_bans(entries, day), []
            answer = {
                "ok": True,
                "query": {"raw": self.raw, "code": code},
                "checked_at": self.now.isoformat(),
                "found": machine is not None or bool(entries),
                "registered": machine is not None,
                "machine": machine_record(machine) if machine is not None else None,
                "zones": zones,
                "construction_site": self.on_construction_site,
                "entries": [entry_view(e, day) for e in entries],
                "blacklisted": any(e.list_kind == ListKind.BLACKLIST for e in entries),
                "key_supervised": any(e.list_kind == ListKind.KEY_SUPERVISION for e in entries),
                "banned": bool(bans),
                "ban_reasons": [b.as_dict() for b in bans],
            }
            write_log(session, [self._log(code, answer["found"], answer["blacklisted"], answer["banned"], {
                "entry_ids": [e.id for e in entries], "ban_codes": sorted({b.code for b in bans}), "errors": []})])
        return answer

    def _log(self, code: str | None, found: bool, blacklisted: bool, banned: bool,
             details: dict[str, Any]) -> dict[str, Any]:
        """The audit row (check_log) of a machinery check: the code in query_raw and answer.machine_code."""
        raw = self.raw if isinstance(self.raw, str) else (None if self.raw is None else repr(self.raw))
        return {
            "checked_at": self.now, "actor": self.actor, "role": self.role, "batch_id": None,
            "query_raw": raw[:80] if raw else raw, "plate": None, "plate_colour": None,
            "valid": not details.get("errors"), "found": found, "blacklisted": blacklisted,
            "banned": banned, "answer": {"machine_code": code, **details},
        }
