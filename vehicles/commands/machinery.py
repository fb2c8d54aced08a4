"""Machinery commands: register (编码登记) and change status, spot-check plans, inspections and follow-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.db import unit_of_work, utcnow
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.timeutil import local_date
from vehicles.daos.changes import append_changes
from vehicles.daos.machinery import (
    find_inspection,
    find_machine,
    find_plan,
    get_machine,
    machine_entries,
    rules_by_code,
    zones,
)
from vehicles.list_terms import jurisdiction_prefixes
from vehicles.machinery_rules import (
    AppliedRule,
    MachineContext,
    jurisdictions_of,
    machine_bans,
    pick_rule,
    zones_covering,
)
from vehicles.machinery_terms import (
    FINAL_MACHINE_STATUSES,
    FollowUp,
    MachineFuel,
    MachineStatus,
    NonroadStage,
    machinery_policy,
    match_code,
)
from vehicles.models import Machine, MachineEvent, MachineInspection, SpotCheckPlan

UPSERTED = "machine.upserted"
STATUS_CHANGED = "machine.status_changed"

FACT_COLUMNS = (
    "machine_type", "fuel", "emission_stage", "engine_model", "engine_number", "product_id", "manufacture_date",
    "owner_uscc", "site", "district_code", "registered_on",
)  # fmt: skip
RECORD_FIELDS = ("code", *FACT_COLUMNS, "status", "status_date")
# Ban codes that come from where the machine works (an inspection finding one is an LEZ violation).
ZONE_BAN_CODES = frozenset({"lez_below_stage", "construction_site_fuel_machine"})
CLOSED_FOLLOW_UPS = frozenset({FollowUp.RETESTED_PASS, FollowUp.REMOVED, FollowUp.BLACKLISTED})


def city_today() -> date:
    """Today in the city (Asia/Shanghai)."""
    return local_date(utcnow())


def machine_record(machine: Machine) -> dict[str, Any]:
    """The whole machine as the change feed and the check carry it."""
    record = {}
    for name in RECORD_FIELDS:
        value = getattr(machine, name)
        record[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return record


def _problems(field_name: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field_name}: {reason}", errors=[{"field": field_name, "reason": reason}])


def check_facts(facts: dict[str, Any]) -> None:
    """Cross-field checks of a machine's facts: code format for its province, stage vs fuel, dates."""
    errors = []
    if match_code(facts["code"], facts["district_code"]) is None:
        errors.append({"field": "code", "reason": f"not an accepted registration-code format for a machine "
                       f"registered in {facts['district_code']} (vehicles/machinery_codes.yaml)"})
    electric_fuel = facts["fuel"] == MachineFuel.ELECTRIC
    electric_stage = facts["emission_stage"] == NonroadStage.ELECTRIC
    if electric_fuel != electric_stage:
        reason = ("an electric machine has no exhaust stage: send 'electric' or leave it out" if electric_fuel
                  else "'electric' is the stage of an electric machine only")
        errors.append({"field": "emission_stage", "reason": reason})
    made = facts.get("manufacture_date")
    if made and made > facts["registered_on"]:
        errors.append({"field": "manufacture_date", "reason": f"after the registration day {facts['registered_on']}"})
    if facts["registered_on"] > city_today():
        errors.append({"field": "registered_on", "reason": "in the future (city time)"})
    status_date = facts.get("status_date")
    if status_date and status_date < facts["registered_on"]:
        errors.append({"field": "status_date", "reason": f"before the registration day {facts['registered_on']}"})
    if errors:
        raise ValidationFailed("; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)


def _event(machine: Machine, kind: str, day: date, before: str | None, after: str, reason: str, actor: str,
           inspection_id: int | None = None) -> MachineEvent:
    return MachineEvent(machine_id=machine.id, kind=kind, effective_date=day, from_value=before, to_value=after,
                        reason=reason, recorded_by=actor, inspection_id=inspection_id)


def _retrying(run: Any) -> Any:
    """Run a unit of work once more if a concurrent writer inserted the same unique key first."""
    try:
        return run()
    except IntegrityError:
        return run()


@dataclass
class UpsertMachine:
    """Register a machine, or bring a registered one up to date (PUT); `create_only` for POST (409 on change)."""

    facts: dict[str, Any]
    actor: str
    create_only: bool = False

    def run(self) -> tuple[Machine, bool]:
        """Run the command; (machine, created)."""
        if "emission_stage" not in self.facts or self.facts["emission_stage"] is None:
            if self.facts.get("fuel") == MachineFuel.ELECTRIC:
                self.facts["emission_stage"] = NonroadStage.ELECTRIC.value
            else:
                raise _problems("emission_stage", "required for a fuel-powered machine (国一以下, 国一…国四)")
        check_facts(self.facts)
        return _retrying(self._run)

    def _run(self) -> tuple[Machine, bool]:
        with unit_of_work() as session:
            values = {name: self.facts.get(name) for name in FACT_COLUMNS}
            machine = find_machine(session, self.facts["code"], for_update=True)
            if machine is None:
                status = self.facts.get("status") or MachineStatus.ACTIVE.value
                status_date = self.facts.get("status_date") or values["registered_on"]
                machine = Machine(code=self.facts["code"], code_format=match_code(self.facts["code"]).id,
                                  **values, status=status, status_date=status_date,
                                  out_of_service_on=None if status == MachineStatus.ACTIVE else status_date)
                session.add(machine)
                session.flush()
                if status != MachineStatus.ACTIVE:
                    session.add(_event(machine, "status_changed", status_date, None, status,
                                       "status on the first registration record", self.actor))
                append_changes(session, [(UPSERTED, {"code": machine.code}, machine_record(machine))])
                return machine, True
            if "status" in self.facts and self.facts["status"] != machine.status:
                raise Conflict(
                    f"machine {machine.code} is {machine.status} since {machine.status_date}; change its status "
                    "with POST /api/v1/machinery/machines/{code}/status (date and reason)",
                    errors=[{"field": "status", "reason": "differs from the registry"}],
                )
            changes = {name: value for name, value in values.items() if getattr(machine, name) != value}
            if changes and self.create_only:
                raise Conflict(
                    f"machine {machine.code} is already registered with other facts; use PUT to update it",
                    errors=[{"field": name, "reason": "differs from the registered machine"} for name in changes],
                )
            if changes:
                for name, value in changes.items():
                    setattr(machine, name, value)
                machine.updated_at = utcnow()
                session.flush()
                append_changes(session, [(UPSERTED, {"code": machine.code}, machine_record(machine))])
            return machine, False


@dataclass
class ChangeMachineStatus:
    """A dated status change with its reason, kept in the history; the same change again is a no-op."""

    code: str
    status: str
    effective_date: date
    reason: str
    actor: str

    def run(self) -> tuple[Machine, bool]:
        """Run the command; (machine, changed)."""
        with unit_of_work() as session:
            machine = get_machine(session, self.code, for_update=True)
            if machine.status == self.status and machine.status_date == self.effective_date:
                return machine, False
            if machine.status in FINAL_MACHINE_STATUSES:
                raise Conflict(f"machine {machine.code} is {machine.status} since {machine.status_date}; that is "
                               "final", errors=[{"field": "status", "reason": f"machine is {machine.status}"}])
            if self.effective_date < machine.registered_on:
                raise _problems("effective_date", f"before the registration day {machine.registered_on}")
            if self.effective_date < machine.status_date:
                raise _problems("effective_date", f"before the current status date {machine.status_date}")
            if self.effective_date > city_today():
                raise _problems("effective_date", "in the future (city time)")
            if self.status == machine.status:
                raise Conflict(f"machine {machine.code} is already {machine.status} since {machine.status_date}",
                               errors=[{"field": "status", "reason": "unchanged"}])
            session.add(_event(machine, "status_changed", self.effective_date, machine.status, self.status,
                               self.reason, self.actor))
            if self.status == MachineStatus.ACTIVE:
                machine.out_of_service_on = None
            elif machine.status == MachineStatus.ACTIVE:
                machine.out_of_service_on = self.effective_date
            machine.status, machine.status_date = self.status, self.effective_date
            machine.updated_at = utcnow()
            session.flush()
            append_changes(session, [(STATUS_CHANGED, {"code": machine.code}, machine_record(machine))])
            return machine, True


@dataclass
class SaveSpotCheckPlan:
    """A district's yearly spot-check plan (年度抽查计划): created, or revised (the same again changes nothing)."""

    district_code: str
    year: int
    planned_count: int
    note: str | None
    actor: str

    def run(self) -> tuple[SpotCheckPlan, bool]:
        """Run the command; (plan, created)."""
        return _retrying(self._run)

    def _run(self) -> tuple[SpotCheckPlan, bool]:
        with unit_of_work() as session:
            plan = find_plan(session, self.district_code, self.year)
            if plan is None:
                plan = SpotCheckPlan(district_code=self.district_code, year=self.year,
                                     planned_count=self.planned_count, note=self.note, created_by=self.actor)
                session.add(plan)
                session.flush()
                return plan, True
            plan.planned_count, plan.note = self.planned_count, self.note
            session.flush()
            return plan, False


# --- verdicts ------------------------------------------------------------------------------------------------


def applied_rules(session: Session, day: date) -> dict[tuple[str, str], AppliedRule | None]:
    """(role, jurisdiction) -> the rule applying on `day`, for every rule role in machinery_policy.yaml."""
    settings = machinery_policy()
    codes = settings["rule_codes"]
    rows = rules_by_code(session, codes.values())
    out: dict[tuple[str, str], AppliedRule | None] = {}
    for role, code in codes.items():
        for (rule_code, jurisdiction), rules in rows.items():
            if rule_code == code:
                out[(role, jurisdiction)] = pick_rule(rules, day, bool(settings["carry_forward"]))
    return out


def machine_context(session: Session, machine: Machine, day: date, zone_list: list[Any], *,
                    on_construction_site: bool = False, entries: list[Any] | None = None,
                    now: datetime | None = None) -> MachineContext:
    """What machine_bans needs for a machine on a day in the given zones."""
    return MachineContext(
        day=day, zones=zone_list, rules=applied_rules(session, day), settings=machinery_policy(),
        jurisdictions=jurisdictions_of(machine.district_code, jurisdiction_prefixes()),
        on_construction_site=on_construction_site, entries=entries or [], now=now,
    )


def zones_for(session: Session, zone_id: str | None, district_code: str) -> list[Any]:
    """The named zone (422 listing the known ones if unknown), or every zone covering the district."""
    every = zones(session)
    if zone_id is None:
        return zones_covering(every, district_code)
    chosen = [z for z in every if z.zone_id == zone_id]
    if not chosen:
        known = ", ".join(z.zone_id for z in every) or "none loaded (run lantian policy seed)"
        raise _problems("zone", f"unknown zone {zone_id!r}; allowed: {known}")
    return chosen


def _reasons(bans: list[Any]) -> list[dict[str, Any]]:
    return [b.as_dict() for b in bans]


def machine_verdict(session: Session, code: str, zone_id: str | None, day: date, on_construction_site: bool,
                    owner: str | None = None) -> dict[str, Any]:
    """May this machine work in this zone (or the zones of its district) on this day? Every reason if not."""
    machine = get_machine(session, code, owner=owner)
    zone_list = zones_for(session, zone_id, machine.district_code)
    entries = machine_entries(session, machine.code)
    ctx = machine_context(session, machine, day, zone_list, on_construction_site=on_construction_site,
                          entries=entries, now=utcnow())
    bans = machine_bans(machine, ctx)
    return {
        "code": machine.code,
        "date": day.isoformat(),
        "zones": [z.zone_id for z in zone_list],
        "construction_site": on_construction_site,
        "allowed": not bans,
        "banned": bool(bans),
        "reasons": _reasons(bans),
        "machine": machine_record(machine),
    }


def _violated_zone(machine: Machine, ctx: MachineContext, zone_list: list[Any]) -> str | None:
    """The first zone that bans the machine by itself (the zone an LEZ violation is recorded against)."""
    for zone in zone_list:
        single = MachineContext(**{**ctx.__dict__, "zones": [zone]})
        if any(b.code in ZONE_BAN_CODES for b in machine_bans(machine, single)):
            return zone.zone_id
    return None


# --- inspections ---------------------------------------------------------------------------------------------

INSPECTION_FACTS = (
    "inspected_on", "site", "district_code", "zone_id", "on_construction_site", "disclosure_ok",
    "pollution_control_ok", "registration_ok", "online_monitoring_ok", "emission_tested", "opacity",
    "opacity_limit", "passed", "black_smoke",
)  # fmt: skip


def inspection_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """The inspection's own columns from a request, with the verdict derived where the sender left it out."""
    values = {name: facts.get(name) for name in INSPECTION_FACTS}
    values["on_construction_site"] = bool(values["on_construction_site"])
    values["black_smoke"] = bool(values["black_smoke"])
    values["emission_tested"] = bool(values["emission_tested"])
    errors = []
    if values["inspected_on"] > city_today():
        errors.append({"field": "inspected_on", "reason": "in the future (city time)"})
    if values["emission_tested"]:
        opacity, limit = values["opacity"], values["opacity_limit"]
        if values["passed"] is None:
            if opacity is None or limit is None:
                errors.append({"field": "passed", "reason": "required unless opacity and opacity_limit are sent"})
            else:
                values["passed"] = Decimal(opacity) <= Decimal(limit)
        elif opacity is not None and limit is not None and values["passed"] != (Decimal(opacity) <= Decimal(limit)):
            errors.append({"field": "passed", "reason": f"contradicts opacity {opacity} against limit {limit}"})
    else:
        for name in ("opacity", "opacity_limit", "passed"):
            if values[name] is not None:
                errors.append({"field": name, "reason": "only with emission_tested: true"})
    if errors:
        raise ValidationFailed("; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)
    return values


def failed(values: dict[str, Any]) -> bool:
    """A failed emission test or black smoke seen (冒黑烟)."""
    return bool(values["black_smoke"]) or (bool(values["emission_tested"]) and values["passed"] is False)


def _same(stored: Any, sent: Any) -> bool:
    if isinstance(stored, Decimal) or isinstance(sent, Decimal):
        return stored is not None and sent is not None and Decimal(stored) == Decimal(sent)
    return stored == sent


@dataclass
class RecordInspection:
    """Record an on-site inspection; a failure opens a follow-up with a deadline, a zone ban is an LEZ violation.

    `inspection_ref` makes it idempotent: the same record again -> 200, other facts under the same ref -> 409.
    """

    facts: dict[str, Any]
    actor: str
    now: datetime = field(default_factory=utcnow)

    def run(self) -> tuple[MachineInspection, bool]:
        """Run the command; (inspection, created)."""
        values = inspection_facts(self.facts)
        return _retrying(lambda: self._run(values))

    def _run(self, values: dict[str, Any]) -> tuple[MachineInspection, bool]:
        with unit_of_work() as session:
            machine = find_machine(session, self.facts["code"])
            if machine is None:
                raise _problems("code", "no machine is registered under this code; register it first")
            values["district_code"] = values["district_code"] or machine.district_code
            values["site"] = values["site"] if values["site"] is not None else machine.site
            is_failed = failed(values)
            follow_up = self.facts.get("follow_up")
            deadline = self.facts.get("follow_up_deadline")
            if not is_failed and (follow_up or deadline):
                raise _problems("follow_up", "only a failed test or black smoke needs a follow-up")
            if is_failed:
                follow_up = follow_up or FollowUp.OPEN.value
                if deadline is None:
                    deadline = values["inspected_on"] + timedelta(days=int(machinery_policy()["repair_days"]))
                if deadline < values["inspected_on"]:
                    raise _problems("follow_up_deadline", f"before the inspection day {values['inspected_on']}")
            stored = find_inspection(session, self.facts["inspection_ref"], for_update=True)
            if stored is not None:
                sent = {**values, "machine_id": machine.id}
                # a zone left out was derived when the inspection was recorded: only a zone sent is compared
                names = [n for n in (*INSPECTION_FACTS, "machine_id") if n != "zone_id" or sent[n] is not None]
                differing = [n for n in names if not _same(getattr(stored, n), sent[n])]
                if differing:
                    raise Conflict(
                        f"inspection {stored.inspection_ref} is recorded with other facts",
                        errors=[{"field": "code" if n == "machine_id" else n,
                                 "reason": "differs from the recorded inspection"} for n in differing],
                    )
                return stored, False
            zone_list = zones_for(session, values["zone_id"], values["district_code"])
            ctx = machine_context(session, machine, values["inspected_on"], zone_list,
                                  on_construction_site=values["on_construction_site"])
            bans = machine_bans(machine, ctx)
            zone_bans = [b for b in bans if b.code in ZONE_BAN_CODES]
            if values["zone_id"] is None and zone_bans:
                values["zone_id"] = _violated_zone(machine, ctx, zone_list)
            inspection = MachineInspection(
                inspection_ref=self.facts["inspection_ref"], machine_id=machine.id, **values,
                follow_up=follow_up, follow_up_deadline=deadline,
                follow_up_on=values["inspected_on"] if follow_up else None,
                lez_violation=bool(zone_bans), lez_reasons=_reasons(bans) if zone_bans else [],
                recorded_by=self.actor,
            )
            session.add(inspection)
            session.flush()
            if follow_up:
                session.add(_event(machine, "follow_up", values["inspected_on"], None, follow_up,
                                   f"inspection {inspection.inspection_ref}: failed"
                                   + (" (black smoke)" if values["black_smoke"] else ""),
                                   self.actor, inspection.id))
            return inspection, True


@dataclass
class UpdateFollowUp:
    """A dated step of a failed machine's follow-up (repaired, re-tested, removed, blacklisted), kept in history."""

    inspection_ref: str
    follow_up: str
    effective_date: date
    reason: str
    actor: str

    def run(self) -> tuple[MachineInspection, bool]:
        """Run the command; (inspection, changed)."""
        with unit_of_work() as session:
            inspection = find_inspection(session, self.inspection_ref, for_update=True)
            if inspection is None:
                raise NotFound(f"no inspection {self.inspection_ref} is recorded")
            if inspection.follow_up == self.follow_up and inspection.follow_up_on == self.effective_date:
                return inspection, False
            if inspection.follow_up is None:
                raise Conflict(f"inspection {self.inspection_ref} found nothing to follow up",
                               errors=[{"field": "follow_up", "reason": "the machine passed"}])
            if inspection.follow_up in CLOSED_FOLLOW_UPS:
                raise Conflict(f"the follow-up of {self.inspection_ref} is closed ({inspection.follow_up})",
                               errors=[{"field": "follow_up", "reason": f"closed as {inspection.follow_up}"}])
            if self.effective_date < (inspection.follow_up_on or inspection.inspected_on):
                raise _problems("effective_date", f"before the last follow-up step on {inspection.follow_up_on}")
            if self.effective_date > city_today():
                raise _problems("effective_date", "in the future (city time)")
            machine = session.get(Machine, inspection.machine_id)
            session.add(_event(machine, "follow_up", self.effective_date, inspection.follow_up, self.follow_up,
                               self.reason, self.actor, inspection.id))
            inspection.follow_up, inspection.follow_up_on = self.follow_up, self.effective_date
            session.flush()
            return inspection, True
