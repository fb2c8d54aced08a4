"""Police (公安交管): one search box for a plate, answered on one screen (registry facts, "did you mean").

The blacklist and ban answer needs vehicles' police-check API (issue 5); until it exists the page says so.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from console.access import roles_required
from console.models import ConsoleRole
from console.services import fetch
from shared.identifiers import normalise_plate, plate_alternatives

bp = Blueprint("police", __name__, url_prefix="/police")


@bp.get("/check")
@roles_required(ConsoleRole.POLICE)
def search() -> Any:
    """Normalise what was typed (any case, full-width), look the plate up, suggest near plates when none match."""
    typed = (request.args.get("q") or "").strip()[:20]
    plate = normalise_plate(typed) if typed else None
    found = suggestions = None
    if plate is not None and plate.normalised:
        found = fetch("vehicles", "/api/v1/vehicles", {"plate_prefix": plate.normalised, "limit": 10})
        exact = [v for v in (found.data or {}).get("items", []) if v.get("plate") == plate.normalised]
        if found.ok and not exact:
            suggestions = plate_alternatives(plate.normalised, limit=5)
    return render_template("police/search.html", typed=typed, plate=plate, found=found, suggestions=suggestions)
