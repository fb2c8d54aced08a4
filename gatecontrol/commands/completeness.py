"""Completeness of a site's gate data: silent gates, incomplete plates, unknown vehicles, backfill, delivery delay."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from gatecontrol import daos
from gatecontrol.commands.sites import authorise_site
from gatecontrol.config import gate_settings
from gatecontrol.models import Gate, GateHeartbeat, Passage
from gatecontrol.rules import silent_gaps
from shared.auth import Principal
from shared.db import session, utcnow
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


def completeness_report(site_id: str, day: date, principal: Principal) -> dict[str, Any]:
    """A site's completeness on one city day, per gate and overall."""
    db_session = session()
    authorise_site(principal, daos.get_site(db_session, site_id))
    window = timedelta(minutes=gate_settings().silent_minutes)
    start, end = day_bounds(day)
    gates = list(db_session.scalars(select(Gate).where(Gate.site_id == site_id).order_by(Gate.gate_id)))
    passages = list(
        db_session.execute(
            select(
                Passage.gate_id,
                Passage.captured_at,
                Passage.received_at,
                Passage.plate_complete,
                Passage.vehicle_known,
                Passage.backfill,
            ).where(Passage.site_id == site_id, Passage.captured_at >= start, Passage.captured_at < end)
        )
    )
    beats = list(
        db_session.execute(
            select(GateHeartbeat.gate_id, GateHeartbeat.minute).where(
                GateHeartbeat.site_id == site_id, GateHeartbeat.minute >= start - window, GateHeartbeat.minute < end
            )
        )
    )
    now = utcnow()
    per_gate = []
    for gate in gates:
        opens, closes = operating_window(gate, day)
        heard = [p.captured_at for p in passages if p.gate_id == gate.gate_id]
        heard += [b.minute for b in beats if b.gate_id == gate.gate_id]
        gaps = silent_gaps(sorted(heard), opens, min(closes, now), window)
        per_gate.append(
            {
                "gate_id": gate.gate_id,
                "operating_from": opens,
                "operating_to": closes,
                "passages": sum(1 for p in passages if p.gate_id == gate.gate_id),
                "silent_gaps": [{"from": a, "to": b, "minutes": round((b - a).total_seconds() / 60)} for a, b in gaps],
            }
        )
    total = len(passages)
    delays = sorted((p.received_at - p.captured_at).total_seconds() for p in passages if not p.backfill)
    return {
        "site_id": site_id,
        "day": day,
        "silent_window_minutes": int(window.total_seconds() // 60),
        "gates": per_gate,
        "passages": total,
        "incomplete_plates": sum(1 for p in passages if not p.plate_complete),
        "unknown_vehicles": sum(1 for p in passages if not p.vehicle_known),
        "backfilled": sum(1 for p in passages if p.backfill),
        "backfilled_share": round(sum(1 for p in passages if p.backfill) / total, 4) if total else None,
        "delivery_delay_seconds": _delay_stats(delays),
    }


def _delay_stats(delays: Sequence[float]) -> dict[str, float | None]:
    """Median, 95th percentile and maximum of live (non-backfill) delivery delays."""
    if not delays:
        return {"median": None, "p95": None, "max": None}
    pick = lambda q: round(delays[min(len(delays) - 1, int(q * len(delays)))], 1)  # noqa: E731
    return {"median": pick(0.5), "p95": pick(0.95), "max": round(delays[-1], 1)}
