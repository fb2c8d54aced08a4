"""/api/v1/machinery: non-road machinery registration (编码登记), zones and verdicts, spot-check plans,
inspections, coverage; and /api/v1/summaries/machinery, the month's figures for the report (contract V1)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from shared.api import Blueprint, ProblemSchema
from shared.auth import Role, current_principal, require_role
from shared.db import session
from shared.errors import NotFound, ValidationFailed
from shared.pagination import Page, page_schema
from shared.query import MonthAreaQuerySchema
from vehicles import parsing
from vehicles.commands.machinery import (
    ChangeMachineStatus,
    RecordInspection,
    SaveSpotCheckPlan,
    UpdateFollowUp,
    UpsertMachine,
    city_today,
    machine_verdict,
)
from vehicles.commands.machinery_reports import SummariseMachinery, coverage_report
from vehicles.daos.machinery import (
    find_inspection,
    get_machine,
    machine_history,
    plans_for,
    search_inspections,
    search_machines,
    zones,
)
from vehicles.machinery_terms import parse_code
from vehicles.models import Machine
from vehicles.schemas.machinery import (
    CoverageQuerySchema,
    FollowUpInSchema,
    InspectionInSchema,
    InspectionQuerySchema,
    InspectionSchema,
    MachineEventSchema,
    MachineInSchema,
    MachineQuerySchema,
    MachineSchema,
    MachineStatusSchema,
    MachineUpsertSchema,
    PlanInSchema,
    PlanQuerySchema,
    PlanSchema,
    VerdictQuerySchema,
    VerdictSchema,
    ZoneSchema,
)

blp = Blueprint("machinery", __name__, url_prefix="/api/v1", description="Non-road mobile machinery (非道路移动机械)")

# The environment bureau registers and inspects; police check (GET /checks?code= or the verdict), never register.
WRITERS = (Role.ENVIRONMENT,)
READERS = (Role.ENVIRONMENT, Role.TRANSPORT, Role.POLICE, Role.SERVICE, Role.ENTERPRISE)
JUDGES = (Role.ENVIRONMENT, Role.TRANSPORT, Role.POLICE, Role.SERVICE, Role.ENTERPRISE)
FIGURES = (Role.ENVIRONMENT, Role.SERVICE)


def _owner() -> str | None:
    """An enterprise sees only its own machines (others are 404 to it)."""
    principal = current_principal()
    return principal.uscc if principal.role == Role.ENTERPRISE else None


def _code(code: str) -> str:
    try:
        return parse_code(code)
    except ValueError as exc:
        raise ValidationFailed(str(exc), errors=[{"field": "code", "reason": str(exc), "in": "path"}]) from exc


def _with_code(inspection: Any) -> Any:
    inspection.machine_code = session().get(Machine, inspection.machine_id).code
    return inspection


@blp.route("/machinery/machines")
class Machines(MethodView):
    """Search and register machines."""

    @blp.arguments(MachineQuerySchema(), location="query")
    @blp.response(200, page_schema(MachineSchema, "MachinePage"))
    @require_role(*READERS)
    def get(self, args: dict[str, Any]) -> Any:
        """Search by code prefix, owner, district or area, type, fuel, stage, status (keyset pages)."""
        owner = _owner()
        if owner is not None:
            args["owner_uscc"] = owner
        return search_machines(session(), args, args.pop("limit"), args.pop("cursor"))

    @blp.arguments(MachineInSchema())
    @blp.response(201, MachineSchema)
    @blp.alt_response(200, schema=MachineSchema, description="the same machine was already registered")
    @blp.alt_response(409, schema=ProblemSchema, description="registered already with other facts")
    @require_role(*WRITERS)
    def post(self, facts: dict[str, Any]) -> Any:
        """Register a machine (编码登记); the same one again returns it (200), other facts are a 409."""
        machine, created = UpsertMachine(facts, current_principal().name, create_only=True).run()
        return machine, 201 if created else 200


@blp.route("/machinery/machines/<code>")
class MachineByCode(MethodView):
    """One machine by its registration code."""

    @blp.response(200, MachineSchema)
    @require_role(*READERS)
    def get(self, code: str) -> Any:
        """One machine (an enterprise: only its own)."""
        return get_machine(session(), _code(code), owner=_owner())

    @blp.arguments(MachineUpsertSchema())
    @blp.response(200, MachineSchema)
    @blp.alt_response(201, schema=MachineSchema, description="created")
    @require_role(*WRITERS)
    def put(self, facts: dict[str, Any], code: str) -> Any:
        """Register or update the machine with this code (idempotent)."""
        code = _code(code)
        if facts.get("code", code) != code:
            raise ValidationFailed("the body's code is not the code in the URL",
                                   errors=[{"field": "code", "reason": f"must match the URL's {code}"}])
        machine, created = UpsertMachine({**facts, "code": code}, current_principal().name).run()
        return machine, 201 if created else 200


@blp.route("/machinery/machines/<code>/status", methods=["POST"])
@blp.arguments(MachineStatusSchema())
@blp.response(200, MachineSchema)
@blp.alt_response(409, schema=ProblemSchema, description="scrapped or deregistered already")
@require_role(*WRITERS)
def change_status(change: dict[str, Any], code: str) -> Any:
    """A dated status change with its reason (the history keeps every one)."""
    machine, _ = ChangeMachineStatus(_code(code), change["status"], change["effective_date"], change["reason"],
                                     current_principal().name).run()
    return machine


@blp.route("/machinery/machines/<code>/history")
@blp.response(200, MachineEventSchema(many=True))
@require_role(*READERS)
def history(code: str) -> Any:
    """The machine's dated history: status changes and inspection follow-ups, oldest first."""
    return machine_history(session(), get_machine(session(), _code(code), owner=_owner()))


@blp.route("/machinery/zones")
@blp.response(200, ZoneSchema(many=True))
@require_role(*JUDGES)
def list_zones() -> Any:
    """Low-emission zones and the city planning area (data: vehicles/machinery_zones.yaml)."""
    return zones(session())


@blp.route("/machinery/verdict")
@blp.arguments(VerdictQuerySchema(), location="query")
@blp.response(200, VerdictSchema)
@blp.alt_response(404, schema=ProblemSchema, description="no machine is registered with that code")
@require_role(*JUDGES)
def verdict(args: dict[str, Any]) -> Any:
    """May this machine work in this zone on this day? allowed/banned with every reason (code, 中文, source)."""
    day = args["day"] or city_today()
    return machine_verdict(session(), args["code"], args["zone"], day, args["construction_site"], owner=_owner())


@blp.route("/machinery/spot-check-plans")
@blp.arguments(PlanQuerySchema(), location="query")
@blp.response(200, PlanSchema(many=True))
@require_role(*FIGURES)
def list_plans(args: dict[str, Any]) -> Any:
    """The year's spot-check plans (年度抽查计划) in an area."""
    return plans_for(session(), args["year"], args["area"])


@blp.route("/machinery/spot-check-plans/<district_code>/<int:year>", methods=["PUT"])
@blp.arguments(PlanInSchema())
@blp.response(200, PlanSchema)
@blp.alt_response(201, schema=PlanSchema, description="created")
@require_role(*WRITERS)
def save_plan(body: dict[str, Any], district_code: str, year: int) -> Any:
    """Create or revise a district's plan for a year."""
    try:
        district_code = parsing.division(district_code)
    except ValueError as exc:
        raise ValidationFailed(str(exc), errors=[{"field": "district_code", "reason": str(exc), "in": "path"}]) \
            from exc
    if not 2000 <= year <= 2100:
        raise ValidationFailed("year out of range", errors=[{"field": "year", "reason": "2000 to 2100", "in": "path"}])
    plan, created = SaveSpotCheckPlan(district_code, year, body["planned_count"], body["note"],
                                      current_principal().name).run()
    return plan, 201 if created else 200


@blp.route("/machinery/inspections")
class Inspections(MethodView):
    """Record and search inspections."""

    @blp.arguments(InspectionQuerySchema(), location="query")
    @blp.response(200, page_schema(InspectionSchema, "InspectionPage"))
    @require_role(Role.ENVIRONMENT, Role.SERVICE, Role.ENTERPRISE)
    def get(self, args: dict[str, Any]) -> Any:
        """By machine, area, days, failed, LEZ violation, follow-up (keyset pages); an enterprise sees its own."""
        page = search_inspections(session(), args, args.pop("limit"), args.pop("cursor"), owner=_owner())
        return Page([_with_code(i) for i in page.items], page.next_cursor)

    @blp.arguments(InspectionInSchema())
    @blp.response(201, InspectionSchema)
    @blp.alt_response(200, schema=InspectionSchema, description="the same record was already stored")
    @blp.alt_response(409, schema=ProblemSchema, description="the same inspection_ref with other facts")
    @require_role(*WRITERS)
    def post(self, facts: dict[str, Any]) -> Any:
        """Record an inspection; a failure opens a follow-up, a ban in the zone that day is an LEZ violation."""
        inspection, created = RecordInspection(facts, current_principal().name).run()
        return _with_code(inspection), 201 if created else 200


@blp.route("/machinery/inspections/<ref>/follow-up", methods=["POST"])
@blp.arguments(FollowUpInSchema())
@blp.response(200, InspectionSchema)
@blp.alt_response(409, schema=ProblemSchema, description="the inspection passed, or its follow-up is closed")
@require_role(*WRITERS)
def follow_up(body: dict[str, Any], ref: str) -> Any:
    """A dated follow-up step (repaired, retested_pass, removed, blacklisted)."""
    inspection, _ = UpdateFollowUp(ref, body["follow_up"], body["effective_date"], body["reason"],
                                   current_principal().name).run()
    return _with_code(inspection)


@blp.route("/machinery/inspections/<ref>")
@blp.response(200, InspectionSchema)
@require_role(Role.ENVIRONMENT, Role.SERVICE)
def get_inspection(ref: str) -> Any:
    """One inspection by its record number."""
    inspection = find_inspection(session(), ref)
    if inspection is None:
        raise NotFound(f"no inspection {ref} is recorded")
    return _with_code(inspection)


class CoverageSchema(Schema):
    """The year's spot-check coverage (see docs/vehicles.md, machinery)."""

    year = fields.Integer()
    as_of_day = fields.String()
    registered = fields.Integer()
    tested = fields.Integer()
    share = fields.String(allow_none=True)
    target = fields.Dict(allow_none=True)
    target_met = fields.Boolean(allow_none=True)
    planned_count = fields.Integer(allow_none=True)
    by_district = fields.List(fields.Dict())
    failures_total = fields.Integer()
    failures = fields.List(fields.Dict())


@blp.route("/machinery/coverage")
@blp.arguments(CoverageQuerySchema(), location="query")
@blp.response(200, CoverageSchema)
@require_role(*FIGURES)
def coverage(args: dict[str, Any]) -> Any:
    """Share of registered machines emission-tested this year against the ≥20 % target, per district; failures."""
    return coverage_report(session(), args["year"], args["area"], city_today())


class MachinerySummarySchema(Schema):
    """Contract V1: the month's machinery figures (docs/vehicles.md, non-road machinery)."""

    month = fields.String()
    area = fields.String(allow_none=True)
    as_of = fields.String()
    registered = fields.Dict()
    coverage = fields.Dict()
    failures_total = fields.Integer()
    failures = fields.List(fields.Dict())
    lez_violations_total = fields.Integer()
    lez_violations = fields.List(fields.Dict())
    below_china_1_active = fields.Integer()


@blp.route("/summaries/machinery")
@blp.arguments(MonthAreaQuerySchema(), location="query")
@blp.response(200, MachinerySummarySchema)
@require_role(*FIGURES)
def machinery_summary(args: dict[str, Any]) -> Any:
    """The month's machinery figures for the monthly report: registrations, coverage, failures, LEZ violations."""
    return SummariseMachinery(args["month"], args["area"]).run()
