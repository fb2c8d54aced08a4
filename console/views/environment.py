"""Environment bureau (生态环境局): clean-transport shares, diesel-truck phase-out progress, NEV shares."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, render_template, request

from console.access import roles_required
from console.models import ConsoleRole
from console.services import fetch, stream
from console.views.common import DEFAULT_CITY, DEFAULT_JURISDICTION, default_month
from shared.timeutil import zone

bp = Blueprint("environment", __name__, url_prefix="/environment")


@bp.get("/")
@roles_required(ConsoleRole.ENVIRONMENT)
def overview() -> Any:
    """City rail and clean-transport shares over twelve months (official figures), as a chart and a table."""
    end = request.args.get("to") or default_month()
    year, month = int(end[:4]), int(end[5:7])
    start = f"{year - 1:04d}-{month + 1:02d}" if month < 12 else f"{year:04d}-01"
    area = request.args.get("area") or DEFAULT_CITY
    params = {"from": start, "to": end, ("city_code" if area.endswith("00") else "district_code"): area}
    trend = fetch("railshift", "/api/v1/ratios/trend", params)
    return render_template("environment/overview.html", trend=trend, start=start, end=end, area=area)


def _as_of() -> str:
    """The day asked about (YYYY-MM-DD), today in the city's zone by default; a bad date falls back to today."""
    raw = request.args.get("as_of") or ""
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        return datetime.now(zone()).date().isoformat()


@bp.get("/phaseout")
@roles_required(ConsoleRole.ENVIRONMENT, ConsoleRole.TRANSPORT)
def phaseout() -> Any:
    """Progress of a China III/IV diesel-truck phase-out plan by district: eliminated, remaining, overdue."""
    jurisdiction = request.args.get("jurisdiction") or DEFAULT_JURISDICTION
    as_of = _as_of()
    plans = fetch("vehicles", "/api/v1/phaseout/plans", {"jurisdiction": jurisdiction})
    codes = [p["code"] for p in plans.data] if plans.ok else []
    plan = request.args.get("plan") or (codes[-1] if codes else None)
    progress = None
    if plan:
        progress = fetch("vehicles", "/api/v1/phaseout/progress", {"plan": plan, "as_of": as_of, "by": "district"})
    return render_template("environment/phaseout.html", plans=plans, plan=plan, as_of=as_of,
                           jurisdiction=jurisdiction, progress=progress)


@bp.get("/phaseout/remaining.xlsx")
@roles_required(ConsoleRole.ENVIRONMENT, ConsoleRole.TRANSPORT)
def phaseout_remaining() -> Any:
    """The vehicles still to eliminate, as vehicles' own XLSX export."""
    params = {"plan": request.args.get("plan", ""), "as_of": _as_of()}
    if request.args.get("district_code"):
        params["district_code"] = request.args["district_code"]
    return stream("vehicles", "/api/v1/phaseout/remaining.xlsx", params)


@bp.get("/nev")
@roles_required(ConsoleRole.ENVIRONMENT, ConsoleRole.TRANSPORT)
def nev() -> Any:
    """New-energy shares of the public fleets (stock and this year's additions) against their targets."""
    jurisdiction = request.args.get("jurisdiction") or DEFAULT_JURISDICTION
    as_of = _as_of()
    shares = fetch("vehicles", "/api/v1/nev/shares", {"jurisdiction": jurisdiction, "as_of": as_of})
    return render_template("environment/nev.html", shares=shares, as_of=as_of, jurisdiction=jurisdiction)
