"""Reports: pick a month and an area, read the monthly report on screen, download it as JSON, XLSX or PDF."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, render_template, request

from console.access import roles_required
from console.models import ConsoleRole
from console.services import fetch, stream
from console.views.common import default_month

bp = Blueprint("reports", __name__, url_prefix="/reports")
READERS = (ConsoleRole.ENVIRONMENT, ConsoleRole.TRANSPORT, ConsoleRole.POLICE)
FORMATS = ("json", "xlsx", "pdf")
MONTH = re.compile(r"^\d{4}-\d{2}$")


def _choice(args: Any) -> tuple[str, str]:
    month = args.get("month") or default_month()
    area = (args.get("area") or "city").strip()
    return month, area


@bp.get("/monthly")
@roles_required(*READERS)
def monthly() -> Any:
    """The month's stored report (made on first request); a section whose service is down says so."""
    month, area = _choice(request.args)
    found = None
    if MONTH.match(month):
        # allow_partial: a down upstream marks its section unavailable instead of failing the whole page
        found = fetch("reports", f"/api/v1/reports/monthly/{month}", {"area": area, "allow_partial": "true"})
    return render_template("reports/monthly.html", found=found, month=month, area=area, formats=FORMATS)


@bp.get("/monthly/download")
@roles_required(*READERS)
def download() -> Any:
    """The same report as a file, streamed from the reports service (the stored version, so it matches)."""
    month, area = _choice(request.args)
    fmt = request.args.get("format") if request.args.get("format") in FORMATS else "pdf"
    params: dict[str, str] = {"area": area, "format": fmt, "allow_partial": "true"}
    if request.args.get("version", "").isdigit():
        params["version"] = request.args["version"]
    return stream("reports", f"/api/v1/reports/monthly/{month if MONTH.match(month) else 'invalid'}", params)
