"""Trip counts of an enterprise's sites for railshift's reconciliation (contract §4)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, select

from gatecontrol import daos
from gatecontrol.models import Passage, VehicleFact
from shared.auth import Principal, Role
from shared.db import session, utcnow
from shared.errors import Forbidden, NotFound
from shared.timeutil import month_bounds

# ---- trips (contract §4, for railshift) ----------------------------------------------------------------


def trips(uscc: str, month: str, site_ids: Sequence[str], principal: Principal) -> dict[str, Any]:
    """Trip counts per site, direction and vehicle class of an enterprise's sites in a city month."""
    if principal.role == Role.ENTERPRISE and principal.uscc != uscc:
        raise Forbidden("an enterprise may read its own trips only")
    db_session = session()
    sites = daos.sites_of(db_session, uscc, site_ids)
    missing = sorted(set(site_ids) - {s.site_id for s in sites})
    if missing:
        raise NotFound(
            f"no site {', '.join(missing)} of enterprise {uscc}",
            errors=[{"field": "site_id", "reason": f"not a site of {uscc}: {m}", "in": "query"} for m in missing],
        )
    ids = [s.site_id for s in sites]
    start, end = month_bounds(month)
    # the registry's class now when the plate is known there, else the snapshot (registry then, or the gate's type)
    vehicle_class = func.coalesce(VehicleFact.vehicle_class, Passage.vehicle_class, "unknown").label("vehicle_class")
    query = (
        select(Passage.site_id, Passage.direction, vehicle_class, func.count().label("n"))
        .outerjoin(
            VehicleFact,
            and_(
                VehicleFact.plate == Passage.plate,
                VehicleFact.plate_colour == Passage.plate_colour,
                Passage.plate_complete.is_(True),
            ),
        )
        .where(Passage.site_id.in_(ids), Passage.captured_at >= start, Passage.captured_at < end)
        .group_by(Passage.site_id, Passage.direction, vehicle_class)
        .order_by(Passage.site_id, Passage.direction, vehicle_class)
    )
    rows = list(db_session.execute(query)) if ids else []
    totals: dict[str, dict[str, int]] = {"in": defaultdict(int), "out": defaultdict(int)}  # type: ignore[dict-item]
    for row in rows:
        totals[row.direction][row.vehicle_class] += row.n
    return {
        "uscc": uscc,
        "month": month,
        "sites": ids,
        "as_of": utcnow(),
        "trips": [
            {"site_id": r.site_id, "direction": r.direction, "vehicle_class": r.vehicle_class, "count": r.n}
            for r in rows
        ],
        "totals": {direction: dict(counts) for direction, counts in totals.items()},
    }
