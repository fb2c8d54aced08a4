"""flask-smorest wiring every service shares: the Api, the problem schema, content types, ops routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import flask_smorest
from flask import Request, current_app, request
from flask.views import MethodView
from flask_smorest import Api
from marshmallow import Schema, fields
from sqlalchemy import text
from webargs.flaskparser import FlaskParser, abort

from shared.auth import current_principal, require_role
from shared.db import session, unit_of_work
from shared.errors import ServiceUnavailable, UnsupportedMediaType, handle_http_exception
from shared.migrate import is_current
from shared.pagination import page_schema
from shared.policy import PolicyRuleQuerySchema, PolicyRuleSchema, add_rule, get_rule, list_rules

F = TypeVar("F", bound=Callable[..., Any])
JSON_TYPES = ("application/json",)


class ProblemSchema(Schema):
    """application/problem+json (RFC 9457), as every lantian error is sent."""

    type = fields.String(metadata={"example": "urn:lantian:problem:validation-failed"})
    code = fields.String(metadata={"description": "stable machine-readable code"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Dict(), metadata={"description": "[{field, reason, in}] for each failing field"})
    request_id = fields.String()


NUL_REASON = "text may not contain the NUL character (\\u0000): no database text column can store it"


class BodyParser(FlaskParser):
    """webargs' parser, refusing with a clear 4xx what would otherwise escape as a 500: a JSON body nested too
    deeply to read (the standard json module gives up with RecursionError at about 1,000 levels), and a NUL
    character in the body or the query (PostgreSQL refuses it in text)."""

    def load_json(self, req: Request, schema: Schema) -> Any:
        try:
            body = super().load_json(req, schema)
        except RecursionError as exc:
            abort(400, exc=exc, messages={"json": ["the JSON body is nested too deeply to read"]})
        if b"\\u0000" in req.get_data(cache=True):  # raw NUL is invalid JSON; its escape is not
            abort(422, messages={"json": {"_body": [NUL_REASON]}})
        return body

    def load_querystring(self, req: Request, schema: Schema) -> Any:
        if b"%00" in req.query_string or b"\x00" in req.query_string:
            abort(422, messages={"query": {"_query": [NUL_REASON]}})
        return super().load_querystring(req, schema)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with lantian's body parser; every service's API is built of these."""

    ARGUMENTS_PARSER = BodyParser()


class LantianApi(Api):
    """flask-smorest's Api, sending its errors as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: Any) -> Any:
        return handle_http_exception(error)


def accepts(*mimetypes: str) -> Callable[[F], F]:
    """Let a view take bodies of these content types instead of JSON (uploads)."""

    def decorator(view: F) -> F:
        view.__lantian_accepts__ = mimetypes  # type: ignore[attr-defined]
        return view

    return decorator


def check_content_type() -> None:
    """415 before parsing when a body arrives in a type the endpoint does not take."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith("/api/"):
        return
    if not request.content_length and "chunked" not in request.headers.get("Transfer-Encoding", ""):
        return
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, request.method.lower(), view)
    allowed = getattr(handler, "__lantian_accepts__", JSON_TYPES)
    mimetype = request.mimetype
    if mimetype in allowed or (allowed == JSON_TYPES and mimetype.endswith("+json")):
        return
    raise UnsupportedMediaType(
        f"send the body as {' or '.join(allowed)}, not {mimetype or 'an unnamed type'}",
        errors=[{"field": "Content-Type", "reason": f"must be {' or '.join(allowed)}", "in": "headers"}],
    )


class StatusSchema(Schema):
    status = fields.String(required=True)
    service = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String())


def ops_blueprint(service: str, migration_heads: set[str]) -> Blueprint:
    """/health (the process answers) and /ready (database reachable and migrated)."""
    blp = Blueprint("ops", __name__, description="Liveness and readiness for the orchestrator")

    @blp.route("/health")
    @blp.doc(security=[])
    @blp.response(200, StatusSchema)
    def health() -> dict[str, Any]:
        return {"status": "ok", "service": service}

    @blp.route("/ready")
    @blp.doc(security=[])
    @blp.response(200, StatusSchema)
    @blp.alt_response(503, schema=ProblemSchema, description="database unreachable or not migrated")
    def ready() -> dict[str, Any]:
        engine = current_app.extensions["lantian.db"].engine
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            raise ServiceUnavailable(
                "the database is not reachable", headers={"Retry-After": "5"}, checks={"database": "unreachable"}
            ) from exc
        if not is_current(engine, service, migration_heads):
            raise ServiceUnavailable(
                f"the database is not migrated; run 'lantian db upgrade {service}'",
                headers={"Retry-After": "30"},
                checks={"migrations": "behind"},
            )
        return {"status": "ready", "service": service, "checks": {"database": "ok", "migrations": "current"}}

    return blp


def policy_rules_blueprint(model: type, writer_roles: tuple[str, ...]) -> Blueprint:
    """/api/v1/policy-rules: list (any caller, `as_of` lookup), read, and add (the bureau that owns them)."""
    blp = Blueprint(
        "policy-rules",
        __name__,
        url_prefix="/api/v1/policy-rules",
        description="Targets, deadlines and thresholds as dated data citing their source plan",
    )

    @blp.route("")
    class PolicyRules(MethodView):
        @blp.arguments(PolicyRuleQuerySchema(), location="query")
        @blp.response(200, page_schema(PolicyRuleSchema, "PolicyRulePage"))
        def get(self, args: dict[str, Any]) -> Any:
            """List rules; `as_of=YYYY-MM-DD` gives those in force on that day."""
            return list_rules(session(), model, args)

        @blp.arguments(PolicyRuleSchema())
        @blp.response(201, PolicyRuleSchema)
        @blp.alt_response(200, schema=PolicyRuleSchema, description="the same rule was already stored")
        @blp.alt_response(409, schema=ProblemSchema, description="a different rule holds that key or period")
        @require_role(*writer_roles)
        def post(self, data: dict[str, Any]) -> Any:
            """Add a rule; sending the same rule again is safe and returns the stored one."""
            with unit_of_work() as db_session:
                rule, created = add_rule(db_session, model, data, actor=current_principal().name)
            return rule, 201 if created else 200

    @blp.route("/<int:rule_id>")
    @blp.response(200, PolicyRuleSchema)
    def get_one(rule_id: int) -> Any:
        """One rule by id."""
        return get_rule(session(), model, rule_id)

    return blp
