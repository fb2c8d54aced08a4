"""Machinery queries: machines by code and filters, history, zones, rules, inspections, coverage counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from shared.errors import NotFound
from shared.pagination import Page, keyset_page
from shared.query import area_prefix
from vehicles.list_terms import SubjectType
from vehicles.models import (
    ListEntry,
    LowEmissionZone,
    Machine,
    MachineEvent,
    MachineInspection,
    PolicyRule,
    SpotCheckPlan,
)


def find_machine(session: Session, code: str, *, for_update: bool = False) -> Machine | None:
    """The machine registered under `code` (normalised), or None."""
    query = select(Machine).where(Machine.code == code)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def get_machine(session: Session, code: str, *, for_update: bool = False, owner: str | None = None) -> Machine:
    """The machine registered under `code`; 404 if none (or, for an enterprise, if it is not its own)."""
    machine = find_machine(session, code, for_update=for_update)
    if machine is None or (owner is not None and machine.owner_uscc != owner):
        raise NotFound(f"no machine with registration code {code} is registered")
    return machine


def area_clause(column: Any, area: str | None) -> Any:
    """A district column inside an area: a district, a city (first 4 digits) or a province (first 2)."""
    if area is None:
        return True
    prefix = area_prefix(area)
    return column == area if prefix == area else column.like(prefix + "%")


def search_machines(session: Session, filters: dict[str, Any], limit: int, cursor: str | None) -> Page[Machine]:
    """Machines matching every filter given, in code order (keyset pages)."""
    query = select(Machine)
    for name in ("owner_uscc", "district_code", "machine_type", "fuel", "emission_stage", "status"):
        if filters.get(name) is not None:
            query = query.where(getattr(Machine, name) == filters[name])
    if filters.get("code_prefix"):
        query = query.where(Machine.code.like(filters["code_prefix"].replace("%", "") + "%"))
    if filters.get("area"):
        query = query.where(area_clause(Machine.district_code, filters["area"]))
    return keyset_page(session, query, [Machine.code], limit, cursor)


def machine_history(session: Session, machine: Machine) -> list[MachineEvent]:
    """A machine's dated history, oldest first."""
    return list(session.scalars(
        select(MachineEvent).where(MachineEvent.machine_id == machine.id)
        .order_by(MachineEvent.effective_date, MachineEvent.id)
    ))


def zones(session: Session) -> list[LowEmissionZone]:
    """Every zone (few rows: loaded from the YAML)."""
    return list(session.scalars(select(LowEmissionZone).order_by(LowEmissionZone.zone_id)))


def rules_by_code(session: Session, codes: Iterable[str]) -> dict[tuple[str, str], list[PolicyRule]]:
    """Policy rules with these codes, by (code, jurisdiction)."""
    out: dict[tuple[str, str], list[PolicyRule]] = {}
    for rule in session.scalars(select(PolicyRule).where(PolicyRule.code.in_(list(codes)))):
        out.setdefault((rule.code, rule.jurisdiction), []).append(rule)
    return out


def machine_entries(session: Session, code: str) -> list[ListEntry]:
    """Unlifted list entries about a machine (the verdict checks their dates)."""
    return list(session.scalars(
        select(ListEntry).where(ListEntry.subject_type == SubjectType.MACHINERY.value,
                                ListEntry.subject_key == code, ListEntry.lifted_at.is_(None))
    ))


def find_plan(session: Session, district_code: str, year: int) -> SpotCheckPlan | None:
    """A district's spot-check plan for a year."""
    return session.scalars(select(SpotCheckPlan).filter_by(district_code=district_code, year=year)).one_or_none()


def plans_for(session: Session, year: int, area: str | None) -> list[SpotCheckPlan]:
    """The year's plans in an area, by district."""
    return list(session.scalars(
        select(SpotCheckPlan).where(SpotCheckPlan.year == year, area_clause(SpotCheckPlan.district_code, area))
        .order_by(SpotCheckPlan.district_code)
    ))


def find_inspection(session: Session, ref: str, *, for_update: bool = False) -> MachineInspection | None:
    """An inspection by the inspecting body's record number."""
    query = select(MachineInspection).where(MachineInspection.inspection_ref == ref)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def search_inspections(session: Session, filters: dict[str, Any], limit: int, cursor: str | None,
                       owner: str | None = None) -> Page[MachineInspection]:
    """Inspections by machine, district/area, days, outcome; in id order."""
    query = select(MachineInspection)
    if filters.get("code"):
        query = query.join(Machine, Machine.id == MachineInspection.machine_id).where(Machine.code == filters["code"])
    if owner is not None:
        query = query.where(MachineInspection.machine_id.in_(select(Machine.id).where(Machine.owner_uscc == owner)))
    if filters.get("area"):
        query = query.where(area_clause(MachineInspection.district_code, filters["area"]))
    if filters.get("from_day"):
        query = query.where(MachineInspection.inspected_on >= filters["from_day"])
    if filters.get("to_day"):
        query = query.where(MachineInspection.inspected_on <= filters["to_day"])
    if filters.get("failed") is not None:
        query = query.where(failed_clause() if filters["failed"] else ~failed_clause())
    if filters.get("lez_violation") is not None:
        query = query.where(MachineInspection.lez_violation == filters["lez_violation"])
    if filters.get("follow_up"):
        query = query.where(MachineInspection.follow_up == filters["follow_up"])
    return keyset_page(session, query, [MachineInspection.id], limit, cursor)


def failed_clause() -> Any:
    """An inspection whose emission test failed or that saw black smoke (冒黑烟)."""
    return or_(and_(MachineInspection.emission_tested.is_(True), MachineInspection.passed.is_(False)),
               MachineInspection.black_smoke.is_(True))


def active_on(day: date) -> Any:
    """Machines registered by `day` and still in service on it."""
    return and_(Machine.registered_on <= day, or_(Machine.out_of_service_on.is_(None), Machine.out_of_service_on > day))


def coverage_counts(session: Session, first: date, last: date, area: str | None) -> dict[str, tuple[int, int]]:
    """district -> (machines active on `last`, those of them emission-tested between `first` and `last`)."""
    tested = (
        select(distinct(MachineInspection.machine_id))
        .where(MachineInspection.emission_tested.is_(True), MachineInspection.inspected_on >= first,
               MachineInspection.inspected_on <= last)
    )
    rows = session.execute(
        select(Machine.district_code, func.count(), func.sum(case((Machine.id.in_(tested), 1), else_=0)))
        .where(active_on(last), area_clause(Machine.district_code, area))
        .group_by(Machine.district_code)
        .order_by(Machine.district_code)
    )
    return {district: (int(count), int(hit or 0)) for district, count, hit in rows}
