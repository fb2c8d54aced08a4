"""Non-road mobile machinery (非道路移动机械), kept by vehicles: the environment bureau searches and registers
machines (编码登记), reads a machine's facts, history, inspections and today's zone verdict, watches the year's
spot-check coverage against the target, records inspections and follow-ups. Police read a machine from the check
page; an enterprise reads its own machines (vehicles answers an enterprise token only about its own: others 404)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from console.access import roles_required
from console.i18n import translate
from console.models import ConsoleRole
from console.services import Fetched, fetch, forbid_refused, send
from console.views.common import DEFAULT_CITY, default_month, page_args
from console.views.transport import problem_text
from shared.errors import NotFound
from shared.identifiers.divisions import districts_of, division_name
from shared.tabular import EXPORT_MIMETYPES, attachment, table_chunks
from shared.timeutil import parse_month, zone

bp = Blueprint("machinery", __name__)
VEHICLES = "vehicles"
# vehicles' vocabularies (vehicles/machinery_terms.py), in the order a form offers them; labels in catalogue.py
MACHINE_TYPES = ("excavator", "loader", "forklift", "pile_driver", "crane", "roller", "paver", "other")
FUELS = ("diesel", "electric", "gas", "other")
STAGES = ("nonroad_0", "nonroad_1", "nonroad_2", "nonroad_3", "nonroad_4", "electric")
STATUSES = ("active", "scrapped", "deregistered", "transferred_out")
FOLLOW_UP_STEPS = ("repaired", "retested_pass", "removed", "blacklisted")  # open is set by a failed inspection
CHECKS = ("disclosure_ok", "pollution_control_ok", "registration_ok", "online_monitoring_ok")
FILTERS = ("code_prefix", "machine_type", "emission_stage", "district_code", "owner_uscc", "status")
EXPORT_LIMIT = 20_000  # rows in one export; the registry of a city is a few thousand machines
EXPORT_COLUMNS = ("code", "machine_type", "fuel", "emission_stage", "owner_uscc", "district_code", "site",
                  "registered_on", "status", "status_date", "engine_model", "engine_number", "product_id",
                  "manufacture_date")


def _today() -> str:
    return datetime.now(zone()).date().isoformat()


def district_label(code: str | None) -> str:
    """A division code with its name ("141002 尧都区"); an unlisted code as it is."""
    if not code:
        return "—"
    name = division_name(code)
    return f"{code} {name}" if name else code


bp.add_app_template_filter(district_label, "district")


def city_districts(city: str = DEFAULT_CITY) -> list[tuple[str, str]]:
    """(code, name) of the city's districts, for the forms' district choices."""
    return districts_of(city)


def search_filters(args: Mapping[str, str]) -> dict[str, str]:
    """The list's filters as typed (empty ones kept, for the form)."""
    return {name: (args.get(name) or "").strip() for name in FILTERS}


def search_params(filters: Mapping[str, str]) -> dict[str, str]:
    """vehicles' query parameters for the filters; a code is sent as a prefix, upper-cased like the registry."""
    params = {key: value for key, value in filters.items() if value}
    if params.get("code_prefix"):
        params["code_prefix"] = params["code_prefix"].replace(" ", "").upper()
    return params


def machine_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The POST /machinery/machines body from the register form: blank optional fields left out (vehicles
    validates every field and names the bad ones; an electric machine has no stage)."""
    body: dict[str, Any] = {}
    for name in ("code", "machine_type", "fuel", "emission_stage", "engine_model", "engine_number", "product_id",
                 "manufacture_date", "owner_uscc", "site", "district_code", "registered_on"):
        value = (form.get(name) or "").strip()
        if value:
            body[name] = value
    for name in ("code", "machine_type", "fuel", "owner_uscc", "district_code", "registered_on"):
        body.setdefault(name, "")  # required: sent empty, so vehicles names the field
    return body


def _tristate(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def inspection_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The POST /machinery/inspections body from the inspection form (checks: yes / no / not checked)."""
    body: dict[str, Any] = {name: (form.get(name) or "").strip() for name in ("inspection_ref", "code", "inspected_on")}
    body["code"] = body["code"].replace(" ", "").upper()
    for name in ("site", "district_code", "zone_id", "opacity", "opacity_limit", "follow_up_deadline"):
        value = (form.get(name) or "").strip()
        if value:
            body[name] = value
    for name in CHECKS:
        body[name] = _tristate(form.get(name))
    for name in ("on_construction_site", "emission_tested", "black_smoke"):
        body[name] = form.get(name) in ("1", "on", "true")
    return body


def percent(share: str | None) -> str | None:
    """A share as vehicles sends it ("0.1925") as a percentage with two places ("19.25")."""
    if share in (None, ""):
        return None
    try:
        return f"{Decimal(share) * 100:.2f}"
    except InvalidOperation:
        return None


bp.add_app_template_filter(percent, "percent")


def zone_names() -> dict[str, str]:
    """Zone id -> its Chinese name (vehicles/machinery_zones.yaml via the API); empty when vehicles is down."""
    found = fetch(VEHICLES, "/api/v1/machinery/zones")
    return {zone["zone_id"]: zone.get("name_zh") or zone["zone_id"] for zone in found.data or []} if found.ok else {}


def coverage_chart(coverage: Mapping[str, Any]) -> dict[str, Any]:
    """The bar chart's data: each district's tested share (%), whether it meets the target, the target line (%)."""
    rows = coverage.get("by_district") or []
    target = (coverage.get("target") or {}).get("value")
    return {
        "names": [district_label(row.get("district_code")).split(" ", 1)[-1] for row in rows],
        "values": [percent(row.get("share")) for row in rows],
        "met": [row.get("target_met") for row in rows],
        "target": percent(target) if target is not None else None,
        "series": translate("已抽测占比"),
        "target_label": translate("目标"),
    }


def export_rows(items: list[dict[str, Any]]) -> Iterator[list[Any]]:
    """The shown machines as rows of the export (Chinese labels for the codes, districts with their names)."""
    for item in items:
        row = []
        for column in EXPORT_COLUMNS:
            value = item.get(column)
            if column == "machine_type":
                value = translate(f"mtype.{value}")
            elif column == "fuel":
                value = translate(f"mfuel.{value}")
            elif column == "emission_stage":
                value = translate(f"mstage.{value}") if value else ""
            elif column == "status":
                value = translate(f"mstatus.{value}")
            elif column == "district_code":
                value = district_label(value)
            row.append(value)
        yield row


# ---- the bureau's pages --------------------------------------------------------------------------------


@bp.get("/environment/machinery")
@roles_required(ConsoleRole.ENVIRONMENT)
def machines() -> Any:
    """Registered machines by code, type, stage, district, owner and status, in keyset pages."""
    return _machine_list(keeper=True, endpoint="machinery.machines")


@bp.get("/environment/machinery/export.<fmt>")
@roles_required(ConsoleRole.ENVIRONMENT)
def export(fmt: str) -> Any:
    """Every machine the list's filters find, as CSV or XLSX (vehicles has no machinery export: the console
    writes the rows it reads, the columns of the list and the machine's other facts)."""
    return _export(fmt)


@bp.get("/environment/machinery/<code>")
@roles_required(ConsoleRole.ENVIRONMENT)
def machine(code: str) -> Any:
    """One machine: facts, status history, inspections and whether it may work in its district's zones today."""
    return _machine_page(code, view="keeper")


@bp.route("/environment/machinery/new", methods=["GET", "POST"])
@roles_required(ConsoleRole.ENVIRONMENT)
def register() -> Any:
    """Register a machine (编码登记). The same form sent again finds it registered (vehicles answers 200)."""
    form: dict[str, Any] = {"registered_on": _today(), "fuel": "diesel", "machine_type": "excavator"}
    problem = None
    if request.method == "POST":
        form = request.form.to_dict()
        outcome = send(VEHICLES, "POST", "/api/v1/machinery/machines", machine_body(request.form))
        if outcome.ok:
            code = outcome.data.get("code", "")
            flash(translate("已登记：{code}。", code=code), "ok")  # a retry gets the same machine back (200)
            return redirect(url_for("machinery.machine", code=code))
        problem = outcome.problem or {"detail": problem_text(outcome)}
    return render_template("machinery/register.html", form=form, problem=problem, types=MACHINE_TYPES, fuels=FUELS,
                           stages=STAGES, districts=city_districts()), (422 if problem else 200)


def _year() -> int:
    try:
        year = int(request.args.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else datetime.now(zone()).year


def _month(year: int) -> str:
    month = request.args.get("month") or ""
    try:
        parse_month(month)
    except ValueError:
        month = default_month()
        if int(month[:4]) > year:  # a past year: its December
            month = f"{year:04d}-12"
    return month


@bp.get("/environment/machinery/coverage")
@roles_required(ConsoleRole.ENVIRONMENT)
def coverage() -> Any:
    """The year's spot-check coverage per district against the target (chart + table), the failures with their
    follow-up and deadline, and the month's LEZ violations."""
    year = _year()
    month = _month(year)
    area = (request.args.get("area") or DEFAULT_CITY).strip()
    report = fetch(VEHICLES, "/api/v1/machinery/coverage", {"year": year, "area": area})
    summary = fetch(VEHICLES, "/api/v1/summaries/machinery", {"month": month, "area": area})
    chart = coverage_chart(report.data) if report.ok else None
    return render_template("machinery/coverage.html", year=year, month=month, area=area, report=report,
                           summary=summary, chart=chart, steps=FOLLOW_UP_STEPS, today=_today(),
                           zones=zone_names() if summary.ok and summary.data.get("lez_violations") else {})


@bp.route("/environment/machinery/inspections/new", methods=["GET", "POST"])
@roles_required(ConsoleRole.ENVIRONMENT)
def inspect() -> Any:
    """Record an on-site inspection; a failure opens a follow-up, a ban that day is an LEZ violation."""
    form: dict[str, Any] = {"inspected_on": _today(), "code": request.args.get("code", "")}
    problem = None
    if request.method == "POST":
        form = request.form.to_dict()
        outcome = _send_keeping_form(VEHICLES, "/api/v1/machinery/inspections", inspection_body(request.form), "code")
        if outcome.ok:
            data = outcome.data
            text = translate("已记录检查 {ref}。", ref=data.get("inspection_ref", ""))
            if data.get("follow_up") == "open":
                text += translate("不合格：整改期限 {day}。", day=data.get("follow_up_deadline") or "—")
            if data.get("lez_violation"):
                text += translate("低排放区违规。")
            flash(text, "ok")
            return redirect(url_for("machinery.machine", code=data.get("code") or form.get("code", "")))
        problem = outcome.problem or {"detail": problem_text(outcome)}
    return render_template("machinery/inspect.html", form=form, problem=problem, checks=CHECKS,
                           districts=city_districts()), (422 if problem else 200)


@bp.post("/environment/machinery/inspections/<ref>/follow-up")
@roles_required(ConsoleRole.ENVIRONMENT)
def follow_up(ref: str) -> Any:
    """A dated follow-up step of a failed inspection, with its reason (the machine's history keeps it)."""
    body = {name: (request.form.get(name) or "").strip() for name in ("follow_up", "effective_date", "reason")}
    back = request.form.get("next") or ""
    if not back.startswith("/") or back.startswith("//") or "\\" in back:  # only a path on this site
        back = url_for("machinery.coverage")
    outcome = _send_keeping_form(VEHICLES, f"/api/v1/machinery/inspections/{quote(ref, safe='')}/follow-up", body,
                                 "inspection_ref")
    if outcome.ok:
        flash(translate("{ref} 整改状态已更新为：{step}。", ref=ref, step=translate(f"follow_up.{body['follow_up']}")),
              "ok")
    else:
        flash(f"{ref}: {problem_text(outcome)}", "error")
    return redirect(back)


def _send_keeping_form(service: str, path: str, body: dict[str, Any], subject_field: str) -> Fetched:
    """POST a form's body; an unknown machine or record (vehicles' 404) is a refusal naming the field, so the
    person keeps what was typed instead of landing on a 404 page."""
    try:
        return send(service, "POST", path, body)
    except NotFound as exc:
        return Fetched(service, problem={"status": 404, "detail": exc.detail,
                                         "errors": [{"field": subject_field, "reason": exc.detail}]})


# ---- police (read-only, from the check page) and an enterprise's own machines ----------------------------


@bp.get("/police/machines/<code>")
@roles_required(ConsoleRole.POLICE)
def police_machine(code: str) -> Any:
    """A machine found by a check, read-only: facts, history, today's verdict (inspections are the bureau's)."""
    return _machine_page(code, view="police")


@bp.get("/enterprise/machines")
@roles_required(ConsoleRole.ENTERPRISE)
def own_machines() -> Any:
    """Our machines (vehicles answers an enterprise token with the machines of its credit code only)."""
    return _machine_list(keeper=False, endpoint="machinery.own_machines")


@bp.get("/enterprise/machines/<code>")
@roles_required(ConsoleRole.ENTERPRISE)
def own_machine(code: str) -> Any:
    """One of our machines (another enterprise's is vehicles' 404)."""
    return _machine_page(code, view="enterprise")


def _machine_list(keeper: bool, endpoint: str) -> Any:
    filters = search_filters(request.args)
    found = fetch(VEHICLES, "/api/v1/machinery/machines", page_args(request.args, **search_params(filters)))
    return render_template("machinery/machines.html", found=found, filters=filters, keeper=keeper,
                           endpoint=endpoint, types=MACHINE_TYPES, stages=STAGES, statuses=STATUSES,
                           districts=city_districts())


def _export(fmt: str) -> Any:
    if fmt not in EXPORT_MIMETYPES:
        fmt = "csv"
    params: dict[str, Any] = {**search_params(search_filters(request.args)), "limit": 500}
    items: list[dict[str, Any]] = []
    while len(items) < EXPORT_LIMIT:
        found = forbid_refused(fetch(VEHICLES, "/api/v1/machinery/machines", params))
        if not found.ok:
            flash(problem_text(found), "error")
            return redirect(url_for("machinery.machines", **search_filters(request.args)))
        items.extend(found.data.get("items") or [])
        if not found.data.get("next_cursor"):
            break
        params["cursor"] = found.data["next_cursor"]
    headers = [translate(f"field.{column}") for column in EXPORT_COLUMNS]
    chunks = table_chunks(fmt, translate("非道路移动机械"), headers, list(export_rows(items[:EXPORT_LIMIT])))
    filename = f"machinery-{_today()}.{fmt}"
    return Response(chunks, mimetype=EXPORT_MIMETYPES[fmt],
                    headers={"Content-Disposition": attachment(filename)})


def _machine_page(code: str, view: str) -> Any:
    code = code.replace(" ", "").upper()
    on_site = request.args.get("site") == "1"
    found = forbid_refused(fetch(VEHICLES, f"/api/v1/machinery/machines/{code}"))
    if found.problem and found.problem.get("status") == 422:  # not a code at all (a URL typed wrong): no such page
        raise NotFound(found.problem.get("detail") or "not a machinery code")
    history = fetch(VEHICLES, f"/api/v1/machinery/machines/{code}/history")
    verdict = fetch(VEHICLES, "/api/v1/machinery/verdict",
                    {"code": code, "date": _today(), "construction_site": str(on_site).lower()})
    inspections = None
    if view != "police":  # vehicles keeps inspection records from the police (403): not asked
        inspections = fetch(VEHICLES, "/api/v1/machinery/inspections", {"code": code, "limit": 100})
    return render_template("machinery/machine.html", code=code, found=found, history=history, verdict=verdict,
                           inspections=inspections, view=view, on_site=on_site, steps=FOLLOW_UP_STEPS,
                           today=_today(), zones=zone_names() if verdict.ok and verdict.data.get("zones") else {})
