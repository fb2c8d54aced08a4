"""Police (公安交管): one search box for a plate or a machinery code, answered on one screen by vehicles' check
API: blacklisted or not, banned now or not and why, the vehicle's facts, "did you mean" plates."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask import Blueprint, render_template, request

from console.access import roles_required
from console.models import ConsoleRole
from console.services import fetch
from shared.identifiers import normalise_plate

bp = Blueprint("police", __name__, url_prefix="/police")

KINDS = ("auto", "plate", "machine")
# A machinery registration code is letters and digits only; every plate starts with a Chinese character
# (province, or 使/领 ...), so a code typed without one is taken for a machine (the form can say otherwise).
_MACHINE_CODE = re.compile(r"^[0-9A-Z]{6,32}$")


def read_search(typed: str, kind: str) -> tuple[str, str]:
    """(kind, text to send): what was typed, taken as a plate or as a machinery code."""
    text = unicodedata.normalize("NFKC", typed).strip()
    if kind == "auto":
        compact = re.sub(r"[\s\-·.]", "", text).upper()
        kind = "machine" if _MACHINE_CODE.match(compact) else "plate"
    if kind == "machine":
        return kind, re.sub(r"[\s\-·.]", "", text).upper()
    return kind, typed


@bp.get("/check")
@roles_required(ConsoleRole.POLICE)
def search() -> Any:
    """Ask vehicles' check API about what was typed; a refusal (422, a machinery code not yet answered) is shown."""
    typed = (request.args.get("q") or "").strip()[:40]
    chosen = request.args.get("kind") if request.args.get("kind") in KINDS else "auto"
    kind = text = plate = answer = None
    on_site = request.args.get("site") == "1"
    if typed:
        kind, text = read_search(typed, chosen)
        if kind == "plate":
            plate = normalise_plate(typed)
            answer = fetch("vehicles", "/api/v1/checks", {"plate": text})
        else:
            # where it was found matters for a machine (construction-site bans in the city planning area)
            answer = fetch("vehicles", "/api/v1/checks", {"code": text, "construction_site": str(on_site).lower()})
    return render_template("police/search.html", typed=typed, chosen=chosen, kind=kind, text=text, plate=plate,
                           answer=answer, on_site=on_site)
