"""When a gate operates and when it fell silent: its operating window, its status now, long gaps in what was heard."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal_column, or_, select, type_coerce, union_all
from sqlalchemy.orm import Session

from gatecontrol.config import gate_settings
from gatecontrol.models import Gate, GateHeartbeat, Passage
from shared.db import UTCDateTime, utcnow
from shared.timeutil import day_bounds, zone


def operating_window(gate: Gate, day: date) -> tuple[datetime, datetime]:
    """[open, close) of a gate on a city day, in UTC; a gate without hours operates around the clock."""
    start, end = day_bounds(day)
    if gate.opens_at is None or gate.closes_at is None:
        return start, end
    tz = zone()
    opens = datetime.combine(day, gate.opens_at, tzinfo=tz)
    closes = datetime.combine(day, gate.closes_at, tzinfo=tz)
    if gate.closes_at <= gate.opens_at:  # a night shift past midnight ends on the next day
        closes += timedelta(days=1)
    return opens.astimezone(start.tzinfo), closes.astimezone(start.tzinfo)


def gate_status(gate: Gate, last_event_at: datetime | None, now: datetime | None = None) -> dict[str, Any]:
    """Whether a gate is silent now: nothing heard for longer than the window during its operating hours."""
    now = now or utcnow()
    window = timedelta(minutes=gate_settings().silent_minutes)
    heard = max((t for t in (last_event_at, gate.last_heartbeat_at) if t is not None), default=None)
    local = now.astimezone(zone())
    opens, closes = operating_window(gate, local.date())
    if gate.opens_at is not None and gate.closes_at is not None and gate.closes_at <= gate.opens_at:
        earlier = operating_window(gate, local.date() - timedelta(days=1))
        if earlier[0] <= now < earlier[1]:
            opens, closes = earlier
    operating = opens <= now < closes
    since = max(heard, opens) if heard else opens
    return {
        "operating": operating,
        "last_event_at": last_event_at,
        "last_heard_at": heard,
        "silent": operating and now - since > window,
    }


Gap = tuple[datetime | None, datetime | None]


def _raw_gaps(
    db_session: Session, site_ids: list[str], start: datetime, end: datetime, window: timedelta
) -> dict[tuple[str, str], list[Gap]]:
    """Per gate, the stretches between consecutive things heard (passages, heartbeats) longer than the window.

    None stands for "before the first" / "after the last". The database finds them (LAG/LEAD over a month
    of passages and heartbeat minutes), so only the few long gaps come back, not every passage.
    """
    if not site_ids:
        return {}
    heard = union_all(
        select(Passage.site_id, Passage.gate_id, Passage.captured_at.label("moment")).where(
            Passage.site_id.in_(site_ids), Passage.captured_at >= start, Passage.captured_at < end
        ),
        select(GateHeartbeat.site_id, GateHeartbeat.gate_id, GateHeartbeat.minute.label("moment")).where(
            GateHeartbeat.site_id.in_(site_ids), GateHeartbeat.minute >= start, GateHeartbeat.minute < end
        ),
    ).subquery()
    site, gate = heard.c.site_id, heard.c.gate_id
    if db_session.get_bind().dialect.name == "postgresql":
        # the window sorts a month of moments by gate: byte order, not the database's locale, is enough here
        site, gate = site.collate("C"), gate.collate("C")
    per_gate = {"partition_by": (site, gate), "order_by": heard.c.moment}
    ordered = select(
        heard.c.site_id,
        heard.c.gate_id,
        heard.c.moment,
        func.lag(heard.c.moment).over(**per_gate).label("previous"),
        func.lead(heard.c.moment).over(**per_gate).label("following"),
    ).subquery()
    # a coarse filter in seconds (float on SQLite); the exact comparison is made below on datetimes
    seconds = _seconds_between(db_session, ordered.c.previous, ordered.c.moment)
    query = select(
        ordered.c.site_id,
        ordered.c.gate_id,
        type_coerce(ordered.c.previous, UTCDateTime).label("previous"),
        type_coerce(ordered.c.moment, UTCDateTime).label("moment"),
        ordered.c.following.is_(None).label("last"),
    ).where(
        or_(
            ordered.c.previous.is_(None),
            ordered.c.following.is_(None),
            seconds > window.total_seconds() - 1,
        )
    )
    gaps: dict[tuple[str, str], list[Gap]] = {}
    for row in db_session.execute(query):
        found = gaps.setdefault((row.site_id, row.gate_id), [])
        if row.previous is None or row.moment - row.previous > window:
            found.append((row.previous, row.moment))
        if row.last:
            found.append((row.moment, None))
    return gaps


def _seconds_between(db_session: Session, earlier: Any, later: Any) -> Any:
    if db_session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * literal_column("86400.0")
