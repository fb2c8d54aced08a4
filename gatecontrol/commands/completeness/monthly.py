"""The monthly completeness of every site in an area: silent gates and minutes, days without passages, counts."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, case, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from gatecontrol.commands.completeness.gates import Gap, _raw_gaps, operating_window
from gatecontrol.commands.ledger import local_day
from gatecontrol.config import gate_settings
from gatecontrol.models import Gate, Passage, Site
from gatecontrol.rules import clipped_gaps
from shared.auth import Principal, Role
from shared.db import UTCDateTime, session, utcnow
from shared.query import area_prefix
from shared.timeutil import day_bounds, month_bounds, month_days

COUNTS = ("passages", "incomplete_plates", "unknown_vehicles", "backfilled")
TOTALS = ("gates", "gates_silent", "silent_minutes", "days_without_events", *COUNTS)


def monthly_completeness(month: str, area: str | None, principal: Principal) -> dict[str, Any]:
    """Every site of an area in a city month: silent gates and minutes, days without passages, the daily
    report's counts summed; a site that sent nothing is listed too (it is the silent one)."""
    db_session = session()
    now = utcnow()
    window = timedelta(minutes=gate_settings().silent_minutes)
    start, end = month_bounds(month)
    query = select(Site).order_by(Site.site_id)
    if principal.role == Role.ENTERPRISE:
        query = query.where(Site.uscc == principal.uscc)
    elif principal.role == Role.GATE:
        query = query.where(Site.site_id == principal.site)
    if area:
        query = query.where(Site.district_code.startswith(area_prefix(area)))
    sites = list(db_session.scalars(query))
    site_ids = [s.site_id for s in sites]
    gates: dict[str, list[Gate]] = {site_id: [] for site_id in site_ids}
    if site_ids:
        for gate in db_session.scalars(select(Gate).where(Gate.site_id.in_(site_ids)).order_by(Gate.gate_id)):
            gates[gate.site_id].append(gate)
    counts = _passage_counts(db_session, site_ids, start, end)
    # a night shift opening on the month's last day closes on the next: read what was heard until then
    raw_gaps = _raw_gaps(db_session, site_ids, start, end + timedelta(days=1), window)
    days = [d for d in month_days(month) if day_bounds(d)[0] < now]
    items = []
    for site in sites:
        found = counts.get(site.site_id, {})
        silent_by_gate = [
            _silent_minutes(gate, days, raw_gaps.get((site.site_id, gate.gate_id), [(None, None)]), window, now)
            for gate in gates[site.site_id]
        ]
        items.append(
            {
                "site_id": site.site_id,
                "name": site.name,
                "district_code": site.district_code,
                "key_user": site.key_user,
                "gates": len(silent_by_gate),
                "gates_silent": sum(1 for gaps, _ in silent_by_gate if gaps),
                "silent_minutes": sum(minutes for _, minutes in silent_by_gate),
                "days_without_events": len(days) - found.get("days", 0),
                **{name: found.get(name, 0) for name in COUNTS},
                "last_event_at": found.get("last_event_at"),
            }
        )
    _fill_last_events(db_session, items, start)
    totals: dict[str, Any] = {name: sum(item[name] for item in items) for name in TOTALS}
    totals["sites"] = len(items)
    totals["sites_silent"] = sum(1 for item in items if is_silent_site(item))
    return {
        "month": month,
        "area": area,
        "as_of": now,
        "silent_window_minutes": int(window.total_seconds() // 60),
        "items": items,
        "totals": totals,
    }


def is_silent_site(item: dict[str, Any]) -> bool:
    """A site is silent in a month when a gate fell silent in its hours, or nothing passed at all."""
    return item["gates_silent"] > 0 or item["passages"] == 0


def _passage_counts(
    db_session: Session, site_ids: list[str], start: datetime, end: datetime
) -> dict[str, dict[str, Any]]:
    """Per site: passages, incomplete plates, unknown vehicles, backfilled, days with passages, the last one."""
    if not site_ids:
        return {}
    count_if = lambda condition: func.sum(case((condition, 1), else_=0))  # noqa: E731
    day = local_day(db_session, start).label("day")
    # per site and day first (a hash aggregate), then per site: cheaper than count(DISTINCT day), which sorts
    per_day = (
        select(
            Passage.site_id,
            day,
            func.count().label("passages"),
            count_if(Passage.plate_complete.is_(False)).label("incomplete_plates"),
            count_if(Passage.vehicle_known.is_(False)).label("unknown_vehicles"),
            count_if(Passage.backfill.is_(True)).label("backfilled"),
            func.max(Passage.captured_at).label("last_event_at"),
        )
        .where(Passage.site_id.in_(site_ids), Passage.captured_at >= start, Passage.captured_at < end)
        .group_by(Passage.site_id, day)
        .subquery()
    )
    query = select(
        per_day.c.site_id,
        *(cast(func.sum(per_day.c[name]), Integer).label(name) for name in COUNTS),
        func.count().label("days"),
        type_coerce(func.max(per_day.c.last_event_at), UTCDateTime).label("last_event_at"),
    ).group_by(per_day.c.site_id)
    return {row.site_id: dict(row._mapping) for row in db_session.execute(query)}


def _fill_last_events(db_session: Session, items: list[dict[str, Any]], start: datetime) -> None:
    """For sites without a passage in the month, when they were last heard of before it (None: never)."""
    missing = [item["site_id"] for item in items if item["last_event_at"] is None]
    if not missing:
        return
    query = (
        select(Passage.site_id, type_coerce(func.max(Passage.captured_at), UTCDateTime))
        .where(Passage.site_id.in_(missing), Passage.captured_at < start)
        .group_by(Passage.site_id)
    )
    last = {row[0]: row[1] for row in db_session.execute(query)}
    for item in items:
        if item["last_event_at"] is None:
            item["last_event_at"] = last.get(item["site_id"])


def _silent_minutes(gate: Gate, days: list[date], raw: list[Gap], window: timedelta, now: datetime) -> tuple[int, int]:
    """(silent gaps, silent minutes) of a gate over the days: the daily report's gaps, day by day."""
    gaps = minutes = 0
    # the stretches follow each other in time, so their ends are ordered too: each day reads only its own
    ordered = sorted(raw, key=lambda gap: gap[0] or datetime.min.replace(tzinfo=now.tzinfo))
    ends = [gap[1] or datetime.max.replace(tzinfo=now.tzinfo) for gap in ordered]
    for day in days:
        opens, closes = operating_window(gate, day)
        first = bisect_right(ends, opens)
        last = first
        while last < len(ordered) and (ordered[last][0] is None or ordered[last][0] < closes):
            last += 1
        for a, b in clipped_gaps(ordered[first:last], opens, min(closes, now), window):
            gaps += 1
            minutes += round((b - a).total_seconds() / 60)
    return gaps, minutes
