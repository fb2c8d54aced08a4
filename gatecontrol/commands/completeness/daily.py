"""A site's completeness on one city day: silent gaps per gate, incomplete plates, unknown vehicles, backfill, delay."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from gatecontrol import daos
from gatecontrol.commands.completeness.gates import _raw_gaps, operating_window
from gatecontrol.commands.sites import authorise_site
from gatecontrol.config import gate_settings
from gatecontrol.models import Gate, Passage
from gatecontrol.rules import clipped_gaps
from shared.auth import Principal
from shared.db import session, utcnow
from shared.timeutil import day_bounds


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
    # a night shift runs past midnight: what was heard then counts for the day it opened
    raw_gaps = _raw_gaps(db_session, [site_id], start, end + timedelta(days=1), window)
    now = utcnow()
    per_gate = []
    for gate in gates:
        opens, closes = operating_window(gate, day)
        gaps = clipped_gaps(raw_gaps.get((site_id, gate.gate_id), [(None, None)]), opens, min(closes, now), window)
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
