"""NEV share queries: fleet counts by category, district and fuel from GROUP BY aggregates."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from vehicles.models import PolicyRule, Vehicle


def _filters(categories: list[str], district: str | None) -> list[ColumnElement[bool]]:
    conditions = [Vehicle.body_type.in_(categories)]
    if district:
        conditions.append(Vehicle.district_code == district)
    return conditions


def stock_counts(session: Session, categories: list[str], day: date, district: str | None) -> list[dict[str, Any]]:
    """Active vehicles on `day` per (category, district, fuel)."""
    active = and_(
        Vehicle.registration_date <= day,
        or_(Vehicle.out_of_service_on.is_(None), Vehicle.out_of_service_on > day),
    )
    query = (
        select(Vehicle.body_type, Vehicle.district_code, Vehicle.fuel, func.count().label("n"))
        .where(*_filters(categories, district), active)
        .group_by(Vehicle.body_type, Vehicle.district_code, Vehicle.fuel)
    )
    return [dict(row._mapping) for row in session.execute(query)]


def addition_counts(
    session: Session, categories: list[str], first: date, last: date, district: str | None
) -> list[dict[str, Any]]:
    """Vehicles registered in [first, last] per (category, district, fuel), with how many were replacements."""
    query = (
        select(
            Vehicle.body_type,
            Vehicle.district_code,
            Vehicle.fuel,
            func.count().label("n"),
            func.count(Vehicle.replaces_plate).label("replacements"),
        )
        .where(*_filters(categories, district), Vehicle.registration_date.between(first, last))
        .group_by(Vehicle.body_type, Vehicle.district_code, Vehicle.fuel)
    )
    return [dict(row._mapping) for row in session.execute(query)]


def _month(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def monthly_counts(
    session: Session, categories: list[str], last: date, district: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Registrations and departures (out of service) per (category, fuel, month) up to `last`."""
    registered_month = _month(session, Vehicle.registration_date).label("month")
    registered = (
        select(Vehicle.body_type, Vehicle.fuel, registered_month, func.count().label("n"))
        .where(*_filters(categories, district), Vehicle.registration_date <= last)
        .group_by(Vehicle.body_type, Vehicle.fuel, registered_month)
    )
    out_month = _month(session, Vehicle.out_of_service_on).label("month")
    departed = (
        select(Vehicle.body_type, Vehicle.fuel, out_month, func.count().label("n"))
        .where(*_filters(categories, district), Vehicle.out_of_service_on <= last)
        .group_by(Vehicle.body_type, Vehicle.fuel, out_month)
    )
    return (
        [dict(r._mapping) for r in session.execute(registered)],
        [dict(r._mapping) for r in session.execute(departed)],
    )


def nev_rules(session: Session, codes: set[str], jurisdiction: str, day: date) -> list[PolicyRule]:
    """The jurisdiction's rules with these codes that started on or before `day`, oldest first (lapsed ones
    included: the caller decides whether a lapsed target carries forward)."""
    if not codes:
        return []
    query = (
        select(PolicyRule)
        .where(PolicyRule.code.in_(codes), PolicyRule.jurisdiction == jurisdiction, PolicyRule.effective_from <= day)
        .order_by(PolicyRule.effective_from, PolicyRule.id)
    )
    return list(session.scalars(query))
