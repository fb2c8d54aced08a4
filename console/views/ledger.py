"""Enterprise (企业): its own sites' electronic gate ledger (电子台账) from gatecontrol: search by plate and days,
keyset pages, and a site-month exported as CSV/XLSX (gatecontrol's export, streamed through). gatecontrol
scopes every answer to the token's credit code, so another enterprise's site in the URL is its 403."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, render_template, request

from console.access import roles_required
from console.models import ConsoleRole
from console.services import fetch, forbid_refused, stream
from console.views.common import default_month, page_args
from shared.timeutil import day_bounds, parse_month

bp = Blueprint("ledger", __name__, url_prefix="/enterprise/ledger")
GATECONTROL = "gatecontrol"
EXPORT_FORMATS = ("csv", "xlsx")


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def ledger_params(args: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """(the filters as shown in the form, gatecontrol's ledger query): days are city days, `to` inclusive."""
    shown = {name: (args.get(name) or "").strip() for name in ("site_id", "plate", "from", "to")}
    query: dict[str, Any] = {}
    if shown["site_id"]:
        query["site_id"] = shown["site_id"]
    if shown["plate"]:
        query["plate"] = shown["plate"]
    first, last = _day(shown["from"]), _day(shown["to"])
    if first:
        query["from"] = day_bounds(first)[0].isoformat()
    if last:
        query["to"] = day_bounds(last + timedelta(days=1))[0].isoformat()
    return shown, query


@bp.get("/")
@roles_required(ConsoleRole.ENTERPRISE)
def ledger() -> Any:
    """The ledger of our sites, newest filters first applied by gatecontrol, in capture order (keyset pages)."""
    shown, query = ledger_params(request.args)
    sites = fetch(GATECONTROL, "/api/v1/sites", {"limit": 100})
    found = forbid_refused(fetch(GATECONTROL, "/api/v1/ledger", page_args(request.args, **query)))
    # the export offers the month the search starts in (the export is gatecontrol's, one site-month a file)
    month = request.args.get("month") or (shown["from"][:7] if _day(shown["from"]) else default_month())
    return render_template("ledger/ledger.html", shown=shown, sites=sites, found=found, month=month,
                           formats=EXPORT_FORMATS)


@bp.get("/export")
@roles_required(ConsoleRole.ENTERPRISE)
def export() -> Any:
    """One site-month of the ledger as gatecontrol's CSV (UTF-8 with BOM) or XLSX, streamed through."""
    month = request.args.get("month") or default_month()
    try:
        parse_month(month)
    except ValueError:
        month = default_month()
    fmt = request.args.get("format") if request.args.get("format") in EXPORT_FORMATS else "csv"
    return stream(GATECONTROL, "/api/v1/ledger/export",
                  {"site_id": request.args.get("site_id", ""), "month": month, "format": fmt})
