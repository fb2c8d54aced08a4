"""Phase-out queries: one GROUP BY over the registry for progress, a keyset page or a stream of the remaining."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, not_, or_, select
from sqlalchemy.orm import Session

from shared.db import database
from shared.errors import NotFound
from shared.pagination import Page, keyset_page
from vehicles.models import PhaseoutPlan, Vehicle
from vehicles.rules import split_terms, stages_at_most
from vehicles.terms import VehicleStatus

GROUP_COLUMNS = {"district": Vehicle.district_code, "owner": Vehicle.owner_uscc}


def get_plan(session: Session, code: str) -> PhaseoutPlan:
    """A plan by code; 404 listing the known codes."""
    plan = session.scalars(select(PhaseoutPlan).where(PhaseoutPlan.code == code)).one_or_none()
    if plan is None:
        known = ", ".join(session.scalars(select(PhaseoutPlan.code).order_by(PhaseoutPlan.code)))
        raise NotFound(f"no phase-out plan {code!r}; known plans: {known}")
    return plan


def list_plans(session: Session, as_of: date | None = None, jurisdiction: str | None = None) -> list[PhaseoutPlan]:
    """The phase-out plans (in force on `as_of`, of one jurisdiction), by baseline date."""
    query = select(PhaseoutPlan).order_by(PhaseoutPlan.baseline_date, PhaseoutPlan.code)
    if as_of is not None:
        query = query.where(PhaseoutPlan.effective_from <= as_of,
                            or_(PhaseoutPlan.effective_to.is_(None), PhaseoutPlan.effective_to >= as_of))
    if jurisdiction:
        query = query.where(PhaseoutPlan.jurisdiction == jurisdiction)
    return list(session.scalars(query))


def _stage_on(day: Any) -> ColumnElement[Any]:
    """The vehicle's stage on `day` (a date or a column): the prior stage until the upgrade date."""
    upgraded_later = and_(Vehicle.stage_upgraded_on.is_not(None), Vehicle.stage_upgraded_on > day)
    return func.coalesce(case((upgraded_later, Vehicle.prior_stage), else_=Vehicle.emission_stage), "")


class PlanScope:
    """The SQL conditions of one plan as of one day (see docs/vehicles.md, 'Phase-out arithmetic')."""

    def __init__(self, plan: PhaseoutPlan, as_of: date) -> None:
        stages = stages_at_most(plan.max_stage)
        baseline = plan.baseline_date
        conditions = [
            Vehicle.fuel.in_(sorted(split_terms(plan.fuels))),
            Vehicle.vehicle_class.in_(sorted(split_terms(plan.classes))),
        ]
        if plan.operating_only:
            conditions.append(Vehicle.operating.is_(True))
        self.in_baseline = and_(
            Vehicle.registration_date <= baseline,
            or_(Vehicle.left_on.is_(None), Vehicle.left_on > baseline),
            _stage_on(literal(baseline)).in_(stages),
        )
        added = and_(
            Vehicle.registration_date > baseline,
            Vehicle.registration_date <= as_of,
            _stage_on(Vehicle.registration_date).in_(stages),
        )
        self.where = and_(*conditions, or_(self.in_baseline, added))
        self.left = and_(Vehicle.left_on.is_not(None), Vehicle.left_on <= as_of)
        self.eliminated = or_(self.left, not_(_stage_on(literal(as_of)).in_(stages)))
        self.as_of = as_of

    def eliminated_by(self, day: date, stages: list[str]) -> ColumnElement[bool]:
        """Eliminated on or before another day (for a yearly quota)."""
        left = and_(Vehicle.left_on.is_not(None), Vehicle.left_on <= day)
        return or_(left, not_(_stage_on(literal(day)).in_(stages)))


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def progress_counts(
    session: Session, plan: PhaseoutPlan, as_of: date, by: str | None, year_start: date | None = None
) -> list[dict[str, Any]]:
    """Per group (or one city row): population, baseline, eliminated (and how), eliminated before `year_start`."""
    scope = PlanScope(plan, as_of)
    left_as = {
        status: and_(scope.left, Vehicle.status == status.value)
        for status in (VehicleStatus.SCRAPPED, VehicleStatus.DEREGISTERED, VehicleStatus.TRANSFERRED_OUT)
    }
    columns: list[Any] = [
        func.count().label("population"),
        _count(scope.in_baseline).label("baseline"),
        _count(scope.eliminated).label("eliminated"),
        *(_count(condition).label(status.value) for status, condition in left_as.items()),
        _count(and_(scope.eliminated, not_(scope.left))).label("upgraded"),
    ]
    if year_start is not None:
        before = scope.eliminated_by(year_start, stages_at_most(plan.max_stage))
        columns.append(_count(before).label("eliminated_before_year"))
    group = GROUP_COLUMNS.get(by or "")
    query: Select[Any] = select(*([group.label("key")] if group is not None else []), *columns).where(scope.where)
    if group is not None:
        query = query.group_by(group).order_by(group)
    return [dict(row._mapping) for row in session.execute(query)]


def remaining_query(plan: PhaseoutPlan, as_of: date, filters: dict[str, Any]) -> Select[Any]:
    """The vehicles of the plan not eliminated by `as_of`, optionally in one district or of one owner."""
    scope = PlanScope(plan, as_of)
    query = select(Vehicle).where(scope.where, not_(scope.eliminated))
    if filters.get("district_code"):
        query = query.where(Vehicle.district_code == filters["district_code"])
    if filters.get("owner_uscc"):
        query = query.where(Vehicle.owner_uscc == filters["owner_uscc"])
    return query


def remaining_page(
    session: Session, plan: PhaseoutPlan, as_of: date, filters: dict[str, Any], limit: int, cursor: str | None
) -> Page[Vehicle]:
    """One keyset page of the remaining vehicles, by plate."""
    query = remaining_query(plan, as_of, filters)
    return keyset_page(session, query, [Vehicle.plate, Vehicle.plate_colour], limit, cursor)


def remaining_stream(plan: PhaseoutPlan, as_of: date, filters: dict[str, Any]) -> Iterator[Vehicle]:
    """Every remaining vehicle, streamed in batches (for exports).

    A streamed response outlives its request's session, so the stream reads through a session of its own and
    closes it when done (or when the client goes away).
    """
    query = remaining_query(plan, as_of, filters).order_by(Vehicle.district_code, Vehicle.plate)
    with database().sessionmaker() as own:
        yield from own.scalars(query.execution_options(yield_per=2000))
