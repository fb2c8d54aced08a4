"""Emission-test queries of the rule job: failures not followed by a pass in time, fleets over the share."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, distinct, func, literal, select
from sqlalchemy.orm import Session

from vehicles.list_rules import repair_deadline
from vehicles.models import EmissionTest, ListEntry, Vehicle


def unrepaired_failures(
    session: Session, as_of: date, repair_days: int, plate: str | None = None
) -> list[tuple[EmissionTest, date]]:
    """Failed tests whose repair deadline ended before `as_of` without a passing test from the failure day to the
    deadline (inclusive), and that no rule entry was made for yet; with their deadlines."""
    last_failure_day = as_of - timedelta(days=repair_days + 1)  # deadline = tested_on + repair_days < as_of
    rule_key = literal("not_repaired:") + EmissionTest.test_ref
    made = select(ListEntry.id).where(ListEntry.rule_key == rule_key)
    query = select(EmissionTest).where(
        EmissionTest.passed.is_(False), EmissionTest.tested_on <= last_failure_day, ~made.exists()
    )
    if plate:
        query = query.where(EmissionTest.plate == plate)
    failures = list(session.scalars(query.order_by(EmissionTest.tested_on, EmissionTest.id)))
    if not failures:
        return []
    passes: dict[tuple[str, str], list[date]] = {}
    plates = sorted({f.plate for f in failures})
    for chunk in range(0, len(plates), 1000):
        query = select(EmissionTest.plate, EmissionTest.plate_colour, EmissionTest.tested_on).where(
            EmissionTest.passed.is_(True), EmissionTest.plate.in_(plates[chunk:chunk + 1000]),
            EmissionTest.tested_on >= failures[0].tested_on,
        )
        for plate, colour, day in session.execute(query):
            passes.setdefault((plate, colour), []).append(day)
    out = []
    for failure in failures:
        deadline = repair_deadline(failure.tested_on, repair_days)
        days = passes.get((failure.plate, failure.plate_colour), [])
        if not any(failure.tested_on <= day <= deadline for day in days):
            out.append((failure, deadline))
    return out


def fleet_counts(session: Session, as_of: date, window_days: int, uscc: str | None = None) -> list[Any]:
    """(owner_uscc, vehicles active on as_of, distinct vehicles failing a test in the window) per enterprise."""
    start = as_of - timedelta(days=window_days - 1)
    failing = (
        select(Vehicle.owner_uscc.label("uscc"), func.count(distinct(Vehicle.id)).label("failing"))
        .join(EmissionTest,
              and_(EmissionTest.plate == Vehicle.plate, EmissionTest.plate_colour == Vehicle.plate_colour))
        .where(EmissionTest.passed.is_(False), EmissionTest.tested_on >= start, EmissionTest.tested_on <= as_of,
               Vehicle.owner_uscc.is_not(None), *([Vehicle.owner_uscc == uscc] if uscc else []))
        .group_by(Vehicle.owner_uscc)
        .subquery()
    )
    fleet = (
        select(Vehicle.owner_uscc, func.count(), failing.c.failing)
        .join(failing, failing.c.uscc == Vehicle.owner_uscc)
        .where(Vehicle.registration_date <= as_of,
               (Vehicle.out_of_service_on.is_(None)) | (Vehicle.out_of_service_on > as_of))
        .group_by(Vehicle.owner_uscc, failing.c.failing)
    )
    return list(session.execute(fleet))


def open_rule_entry(session: Session, subject_type: str, subject_key: str, reason_code: str) -> bool:
    """Whether an unlifted entry for this subject and reason exists (the fleet rule lists an enterprise once)."""
    query = select(ListEntry.id).where(ListEntry.subject_type == subject_type, ListEntry.subject_key == subject_key,
                                       ListEntry.reason_code == reason_code, ListEntry.lifted_at.is_(None))
    return session.scalar(query.limit(1)) is not None
