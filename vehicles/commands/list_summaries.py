"""The month's lists for the monthly report: entries added and lifted, in force at month end, enterprises listed.

The month is cut in the city's zone (Asia/Shanghai): an entry recorded at 2025-11-30T16:30Z is a December one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, exists, func, literal, not_, or_, select
from sqlalchemy.orm import Session, aliased

from shared.db import unit_of_work, utcnow
from shared.query import area_prefix
from shared.timeutil import month_bounds, month_range
from vehicles.list_terms import SubjectType, reason_zh
from vehicles.models import ListEntry, Machine, Vehicle


def subject_area() -> Any:
    """The division code of an entry's subject (SQL): a vehicle's registered district, a registered machine's
    district, an enterprise's registering authority (credit-code characters 3-8, GB 32100). A subject not in
    the registry (a truck from another province) has no area: it counts only when no area is asked."""
    vehicle = (select(Vehicle.district_code)
               .where(Vehicle.plate == ListEntry.plate, Vehicle.plate_colour == ListEntry.plate_colour)
               .limit(1).scalar_subquery())
    machine = select(Machine.district_code).where(Machine.code == ListEntry.subject_key).limit(1).scalar_subquery()
    return case(
        (ListEntry.subject_type == SubjectType.VEHICLE.value, vehicle),
        (ListEntry.subject_type == SubjectType.MACHINERY.value, machine),
        (ListEntry.subject_type == SubjectType.ENTERPRISE.value, func.substr(ListEntry.subject_key, 3, 6)),
        else_=cast(literal(None), String),
    )


@dataclass(frozen=True)
class MonthCut:
    """The month's first and last city day and its [start, end) instants in UTC."""

    first: date
    last: date
    start: datetime
    end: datetime

    @classmethod
    def of(cls, month: str) -> MonthCut:
        """The cut of 'YYYY-MM'."""
        first, last = month_range(month)
        start, end = month_bounds(month)
        return cls(first, last, start, end)


def added_in(cut: MonthCut) -> Any:
    """Entries that became both recorded and in force in the month: the later of `effective_from` and the city
    day it was recorded falls in the month (a back-dated entry counts when it is made, a future-dated one when
    it starts). A correction (an entry superseding another) re-states a listing and is not an addition."""
    return and_(
        ListEntry.supersedes.is_(None),
        ListEntry.effective_from <= cut.last,
        ListEntry.created_at < cut.end,
        or_(ListEntry.effective_from >= cut.first, ListEntry.created_at >= cut.start),
    )


def lifted_in(cut: MonthCut) -> Any:
    """Entries lifted in the month, except those lifted because a correction replaced them."""
    successor = aliased(ListEntry)
    corrected = exists().where(successor.supersedes == ListEntry.id)
    return and_(ListEntry.lifted_at >= cut.start, ListEntry.lifted_at < cut.end, not_(corrected))


def in_force_at_end(cut: MonthCut) -> Any:
    """Entries in force on the month's last day and not lifted by its end (seasonal ones all year)."""
    return and_(
        ListEntry.created_at < cut.end,
        ListEntry.effective_from <= cut.last,
        or_(ListEntry.until.is_(None), ListEntry.until >= cut.last),
        or_(ListEntry.lifted_at.is_(None), ListEntry.lifted_at >= cut.end),
    )


def _in_area(area: str | None) -> Any:
    if area is None:
        return literal(True)
    prefix = area_prefix(area)
    where = subject_area()
    return where == prefix if len(prefix) == 6 else where.like(prefix + "%")


def _by_reason(session: Session, condition: Any, area: Any) -> list[dict[str, Any]]:
    query = (select(ListEntry.list_kind, ListEntry.reason_code, ListEntry.subject_type, func.count())
             .where(condition, area)
             .group_by(ListEntry.list_kind, ListEntry.reason_code, ListEntry.subject_type)
             .order_by(ListEntry.list_kind, ListEntry.reason_code, ListEntry.subject_type))
    return [{"list_kind": kind, "reason_code": code, "reason_zh": reason_zh(code), "subject_kind": subject,
             "count": count} for kind, code, subject, count in session.execute(query)]


def _active(session: Session, cut: MonthCut, area: Any) -> list[dict[str, Any]]:
    query = (select(ListEntry.list_kind, ListEntry.subject_type, func.count())
             .where(in_force_at_end(cut), area)
             .group_by(ListEntry.list_kind, ListEntry.subject_type)
             .order_by(ListEntry.list_kind, ListEntry.subject_type))
    return [{"list_kind": kind, "subject_kind": subject, "count": count}
            for kind, subject, count in session.execute(query)]


def _enterprises(session: Session, cut: MonthCut, area: Any) -> list[dict[str, Any]]:
    added = added_in(cut)
    query = (select(ListEntry, added)
             .where(ListEntry.subject_type == SubjectType.ENTERPRISE.value,
                    or_(in_force_at_end(cut), added), area)
             .order_by(ListEntry.subject_key, ListEntry.effective_from, ListEntry.id))
    return [_enterprise_row(entry, bool(was_added)) for entry, was_added in session.execute(query)]


def _enterprise_row(entry: ListEntry, added: bool) -> dict[str, Any]:
    return {"uscc": entry.subject_key, "list_kind": entry.list_kind, "reason_code": entry.reason_code,
            "reason_zh": reason_zh(entry.reason_code), "effective_from": entry.effective_from,
            "until": entry.until, "added_in_month": added}


def summarise_lists(session: Session, month: str, area: str | None, now: datetime | None = None) -> dict[str, Any]:
    """The lists summary of a month (contract V2) for an area (a district, city or province code; None = all)."""
    cut = MonthCut.of(month)
    where = _in_area(area)
    return {
        "month": month,
        "area": area,
        "as_of": now or utcnow(),
        "added": _by_reason(session, added_in(cut), where),
        "lifted": _by_reason(session, lifted_in(cut), where),
        "active_at_month_end": _active(session, cut, where),
        "enterprises_listed": _enterprises(session, cut, where),
    }


@dataclass
class SummariseLists:
    """Read the month's lists summary in one read-only transaction (one snapshot on PostgreSQL)."""

    month: str
    area: str | None

    def run(self) -> dict[str, Any]:
        """Run the command."""
        with unit_of_work() as session:
            return summarise_lists(session, self.month, self.area)
