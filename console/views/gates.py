"""Environment bureau: gate sites (门禁站点) from gatecontrol: each site's last event, silent gates,
completeness and violations during heavy-pollution alerts in a month; declaring an alert."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from console.access import roles_required
from console.i18n import translate
from console.models import ConsoleRole
from console.services import Fetched, fetch, send, stream
from console.views.common import DEFAULT_CITY, default_month, page_args
from console.views.transport import problem_text
from shared.timeutil import month_bounds, month_days, parse_month, zone

bp = Blueprint("gates", __name__, url_prefix="/environment/gates")
GATECONTROL = "gatecontrol"
ALERT_LEVELS = ("blue", "yellow", "orange", "red")  # gatecontrol's levels, lowest first
DEFAULT_ALERT_AUTHORITY = "临汾市重污染天气应急指挥部"


def _month() -> str:
    month = request.args.get("month") or default_month()
    try:
        parse_month(month)
    except ValueError:
        return default_month()
    return month


def daily_as_monthly(report: dict[str, Any]) -> dict[str, Any]:
    """One day's per-site completeness (the older endpoint) in the shape of a monthly row, where it can be."""
    gates = report.get("gates") or []
    return {
        "gates": len(gates),
        "gates_silent": sum(1 for gate in gates if gate.get("silent_gaps")),
        "silent_minutes": sum(gap.get("minutes") or 0 for gate in gates for gap in gate.get("silent_gaps") or []),
        "days_without_events": None,
        "passages": report.get("passages"),
        "incomplete_plates": report.get("incomplete_plates"),
        "unknown_vehicles": report.get("unknown_vehicles"),
        "backfilled": report.get("backfilled"),
        "last_event_at": None,
    }


def completeness_by_site(month: str, area: str, site_ids: list[str]) -> tuple[dict[str, Any], Any, str]:
    """(site id -> month figures, the monthly answer, "month" or the day used): the monthly endpoint, or, from a
    gatecontrol without it (404), each listed site's last day of the month."""
    monthly = fetch(GATECONTROL, "/api/v1/completeness/monthly", {"month": month, "area": area})
    if monthly.ok:
        return {item["site_id"]: item for item in monthly.data.get("items", [])}, monthly, "month"
    if (monthly.problem or {}).get("status") != 404:
        return {}, monthly, "month"
    today = datetime.now(zone()).date()
    day = min(month_days(month)[-1], today)
    out = {}
    for site_id in site_ids:
        daily = fetch(GATECONTROL, f"/api/v1/sites/{site_id}/completeness", {"day": day.isoformat()})
        if daily.ok:
            out[site_id] = daily_as_monthly(daily.data)
    return out, Fetched(GATECONTROL, data=None), day.isoformat()


def violations_by_site(report: dict[str, Any]) -> dict[str, int]:
    """Violations per site in the month, from the per-site-day counts."""
    counts: dict[str, int] = {}
    for row in report.get("by_site_day") or []:
        counts[row["site_id"]] = counts.get(row["site_id"], 0) + int(row.get("count") or 0)
    return counts


@bp.get("/")
@roles_required(ConsoleRole.ENVIRONMENT)
def sites() -> Any:
    """Sites of an area in keyset pages, each with its month's completeness and violations during alerts."""
    month = _month()
    area = (request.args.get("area") or DEFAULT_CITY).strip()
    found = fetch(GATECONTROL, "/api/v1/sites", page_args(request.args, area=area))
    site_ids = [site["site_id"] for site in (found.data or {}).get("items", [])] if found.ok else []
    figures, monthly, basis = completeness_by_site(month, area, site_ids) if found.ok else ({}, None, "month")
    violations = fetch(GATECONTROL, "/api/v1/violations", {"month": month, "site_id": site_ids}) if site_ids else None
    counts = violations_by_site(violations.data) if violations is not None and violations.ok else {}
    start, end = month_bounds(month)
    alerts = fetch(GATECONTROL, "/api/v1/alerts", {"from": start.isoformat(), "to": end.isoformat()})
    chart = None
    if site_ids:
        chart = {"names": [site["name"] for site in found.data["items"]], "grouped": True, "series": {
            translate("通过车次"): [(figures.get(s) or {}).get("passages") for s in site_ids],
            translate("预警期间违规"): [counts.get(s, 0) if violations is not None and violations.ok else None
                                   for s in site_ids],
        }}
    return render_template("gates/sites.html", month=month, area=area, found=found, figures=figures,
                           monthly=monthly, basis=basis, violations=violations, counts=counts, alerts=alerts,
                           chart=chart)


@bp.get("/violations.<fmt>")
@roles_required(ConsoleRole.ENVIRONMENT)
def violations_export(fmt: str) -> Any:
    """The month's violations during alerts (all sites, or one) as gatecontrol's CSV or XLSX, streamed through."""
    params: dict[str, Any] = {"month": _month(), "format": fmt if fmt in ("csv", "xlsx") else "csv"}
    if request.args.get("site_id"):
        params["site_id"] = request.args["site_id"]
    return stream(GATECONTROL, "/api/v1/violations", params)


@bp.get("/sites/<site_id>")
@roles_required(ConsoleRole.ENVIRONMENT)
def site(site_id: str) -> Any:
    """One site on one city day: its gates with operating hours, passages and each silent gap."""
    today = datetime.now(zone()).date()
    try:
        day = date.fromisoformat(request.args.get("day") or "")
    except ValueError:
        day = today
    found = fetch(GATECONTROL, f"/api/v1/sites/{site_id}", main=True)
    gates = fetch(GATECONTROL, f"/api/v1/sites/{site_id}/gates")
    report = fetch(GATECONTROL, f"/api/v1/sites/{site_id}/completeness", {"day": day.isoformat()})
    names = {gate["gate_id"]: gate.get("name") for gate in gates.data or []} if gates.ok else {}
    return render_template("gates/site.html", found=found, report=report, day=day.isoformat(), names=names,
                           previous=(day - timedelta(days=1)).isoformat(),
                           following=(day + timedelta(days=1)).isoformat())


def local_instant(value: str) -> str:
    """A datetime-local field ("2026-12-01T08:00", the city's wall clock) as an ISO instant with the offset."""
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=zone()).isoformat() if moment.tzinfo is None else moment.isoformat()


def alert_body(form: Any) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The POST /alerts body from the form, or the fields a person must fix before anything is sent."""
    body: dict[str, Any] = {name: form.get(name, "").strip() for name in ("alert_key", "level", "area", "authority")}
    errors = []
    for name in ("starts_at", "ends_at"):
        try:
            body[name] = local_instant(form.get(name, ""))
        except ValueError:
            errors.append({"field": name, "reason": translate("请填写日期和时间")})
    return body, errors


@bp.route("/alerts/new", methods=["GET", "POST"])
@roles_required(ConsoleRole.ENVIRONMENT)
def declare_alert() -> Any:
    """Declare a heavy-pollution alert (gatecontrol's alerts: idempotent by the issuer's alert number)."""
    now = datetime.now(zone()).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    form: dict[str, Any] = {"level": "orange", "area": DEFAULT_CITY, "authority": DEFAULT_ALERT_AUTHORITY,
                            "starts_at": (now + timedelta(hours=1)).isoformat(timespec="minutes"),
                            "ends_at": (now + timedelta(hours=49)).isoformat(timespec="minutes")}
    problem = None
    if request.method == "POST":
        form = request.form.to_dict()
        body, errors = alert_body(request.form)
        if errors:
            problem = {"detail": translate("预警未发布，请检查标出的字段。"), "errors": errors}
        else:
            outcome = send(GATECONTROL, "POST", "/api/v1/alerts", body)
            if outcome.ok:
                flash(translate("已发布预警 {key}（{who}）。", key=outcome.data.get("alert_key", ""),
                                who=g.user.display_name), "ok")
                month = form["starts_at"][:7]
                return redirect(url_for("gates.sites", month=month, area=body["area"] or DEFAULT_CITY))
            problem = outcome.problem or {"detail": problem_text(outcome)}
    return render_template("gates/alert.html", form=form, problem=problem, levels=ALERT_LEVELS), (
        422 if problem else 200)
