"""The inspectors' audit view (domain.md §7): sample records, and daily counts on normal and alert days."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from gatecontrol import daos
from gatecontrol.commands.alerts import list_alerts
from gatecontrol.commands.ledger import ORDER, local_day
from gatecontrol.models import Passage
from gatecontrol.rules import area_covers, level_rank
from shared.db import session
from shared.timeutil import day_bounds, local_date, month_bounds


def audit_view(site_id: str, month: str, size: int, seed: int | None) -> dict[str, Any]:
    """A random sample of records and the month's days split into normal days and days under an alert."""
    site = daos.get_site(session(), site_id)
    result = audit_sample(site_id, month, size, seed)
    start, end = month_bounds(month)
    counts = daily_counts(site_id, start, end)
    alerts = [a for a in list_alerts(start, end) if area_covers(a.area, site.district_code)]
    normal, alert_days = [], []
    day, last = local_date(start), local_date(end - timedelta(seconds=1))
    while day <= last:
        day_start, day_end = day_bounds(day)
        # a day counts as an alert day when any alert covering the site was in force during it
        levels = [a.level for a in alerts if a.starts_at < day_end and a.ends_at > day_start]
        entry = {
            "day": day,
            "count": counts.get(day, 0),
            "alert_level": max(levels, key=level_rank) if levels else None,
        }
        (alert_days if levels else normal).append(entry)
        day += timedelta(days=1)
    return {**result, "normal_days": normal, "alert_days": alert_days}


# ---- audit (domain.md §7: how inspectors check a site) -------------------------------------------------


def audit_sample(site_id: str, month: str, size: int, seed: int | None) -> dict[str, Any]:
    """A random sample of a site-month's ledger records with photos (repeatable with the same seed)."""
    db_session = session()
    daos.get_site(db_session, site_id)
    start, end = month_bounds(month)
    keys = list(
        db_session.execute(
            select(Passage.captured_at, Passage.event_id)
            .where(Passage.site_id == site_id, Passage.captured_at >= start, Passage.captured_at < end)
            .order_by(*ORDER)
        )
    )
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    chosen = random.Random(seed).sample(keys, min(size, len(keys)))
    records = []
    for captured_at, event_id in sorted(chosen):
        records.append(db_session.get(Passage, (captured_at, site_id, event_id)))
    return {"site_id": site_id, "month": month, "seed": seed, "population": len(keys), "records": records}


def daily_counts(site_id: str, start: datetime, end: datetime) -> dict[date, int]:
    """Passages per city day of a site in [start, end)."""
    db_session = session()
    day = local_day(db_session, start).label("day")
    query = (
        select(day, func.count())
        .where(Passage.site_id == site_id, Passage.captured_at >= start, Passage.captured_at < end)
        .group_by(day)
    )
    return {date.fromisoformat(str(d)[:10]): n for d, n in db_session.execute(query)}
