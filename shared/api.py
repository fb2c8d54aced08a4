"""flask-smorest wiring every service shares: the Api, the problem schema, content types, ops routes."""

from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any, TypeVar

import flask_smorest
import orjson
from apispec import BasePlugin
from flask import Flask, Request, current_app, request
from flask.views import MethodView
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, Schema, fields
from sqlalchemy import text
from webargs.flaskparser import FlaskParser, abort, is_json_request

from shared.auth import check_role, current_principal, require_role
from shared.db import session, unit_of_work
from shared.errors import PROBLEM_MIMETYPE, ServiceUnavailable, UnsupportedMediaType, handle_http_exception
from shared.migrate import is_current
from shared.pagination import page_schema
from shared.policy import PolicyRuleQuerySchema, PolicyRuleSchema, add_rule, get_rule, list_rules

F = TypeVar("F", bound=Callable[..., Any])
JSON_TYPES = ("application/json",)
BODY_METHODS = ("post", "put", "patch")
# What each error status means in every lantian service; the responses are problem+json (ProblemSchema).
ERROR_RESPONSES: dict[int, dict[str, Any]] = {
    400: {"description": "the body is not readable JSON"},
    401: {
        "description": "no bearer token, or one that is malformed, expired or revoked",
        "headers": {"WWW-Authenticate": {"description": "Bearer realm=\"lantian\"", "schema": {"type": "string"}}},
    },
    403: {"description": "the token's role, or its enterprise or site, may not do this"},
    404: {"description": "the path names nothing that exists (or nothing the caller may see)"},
    413: {"description": "the body is larger than the service takes"},
    415: {"description": "the body is not of a content type this operation takes (see Content-Type)"},
    422: {"description": "the request is not valid: `errors` names each failing field and why"},
    503: {
        "description": "the database, or a service this one depends on, is unreachable: retry later",
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    },
}


class ProblemSchema(Schema):
    """application/problem+json (RFC 9457), as every lantian error is sent; some carry extension members
    (e.g. `limit` of a capped list, `checks` of /ready), which RFC 9457 allows."""

    class Meta:
        unknown = INCLUDE  # documented as additionalProperties: true

    type = fields.String(metadata={"example": "urn:lantian:problem:validation-failed"})
    code = fields.String(metadata={"description": "stable machine-readable code"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Dict(), metadata={"description": "[{field, reason, in}] for each failing field"})
    request_id = fields.String()


# A run of 19 digits may be an integer beyond 64 bits, which orjson reads as a float and the json module exactly.
# Found by turning every digit into "0" and the rest into " " (one C pass; a regular expression took longer than
# the parse).
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_NUMBER = b"0" * 19
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

    def _raw_load_json(self, req: Request) -> Any:
        """webargs' reading of a JSON body, by orjson (a third of the json module's time: a gate's batch is
        400 kB) wherever it reads the body exactly as the json module does; elsewhere by the json module."""
        if is_json_request(req):
            body = req.get_data(cache=True)
            if _LONG_NUMBER not in body.translate(_DIGITS_AS_ZEROS):
                try:
                    return orjson.loads(body)
                except orjson.JSONDecodeError:
                    pass  # NaN, a lone surrogate, nesting past 1,024 or not JSON: the json module reads it or says why
        return super()._raw_load_json(req)

    def load_querystring(self, req: Request, schema: Schema) -> Any:
        if b"%00" in req.query_string or b"\x00" in req.query_string:
            abort(422, messages={"query": {"_query": [NUL_REASON]}})
        return super().load_querystring(req, schema)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with lantian's body parser; every service's API is built of these."""

    ARGUMENTS_PARSER = BodyParser()

    def alt_response(self, status_code: Any, response: Any = None, **kwargs: Any) -> Callable[[F], F]:
        """flask-smorest's alt_response; an error response is documented as problem+json (ProblemSchema unless
        another schema is given), as it is sent."""
        if response is None and int(status_code) >= 400:
            kwargs["schema"] = kwargs.get("schema") or ProblemSchema
            kwargs["content_type"] = kwargs.get("content_type") or PROBLEM_MIMETYPE
        return super().alt_response(status_code, response, **kwargs)

    def files(self, *mimetypes: str, status_code: int = 200) -> Callable[[F], F]:
        """Document that a `format` argument makes the answer a file of these types instead of JSON."""
        binary = {"schema": {"type": "string", "format": "binary"}}
        return self.doc(responses={status_code: {"content": {mimetype: binary for mimetype in mimetypes}}})


def view_handler(app: Flask, endpoint: str, method: str) -> Any:
    """The function that answers `method` at `endpoint` (a MethodView's method, or the view function)."""
    view = app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, method.lower(), view)


def error_statuses(
    path: str, method: str, operation: dict[str, Any], path_parameters: list[dict[str, Any]], handler: Any
) -> set[int]:
    """The error statuses an /api/ operation can answer with, from how lantian serves every request: a token
    checked before any view (401) against the revocation list in the auth database (503), require_role (403),
    a path naming a row (404; 422 when a text value is malformed: an integer one that is not is a 404 already),
    query arguments (422), check_content_type (415 for any body sent to a POST/PUT/PATCH), and a body (400
    unreadable JSON, 413 too large, 422 invalid)."""
    if not path.startswith("/api/"):
        return set()
    statuses = {503}
    if operation.get("security") != []:
        statuses.add(401)
    if getattr(handler, "__lantian_roles__", None):
        statuses.add(403)
    if path_parameters:
        statuses.add(404)
    if any(p.get("schema", {}).get("type") != "integer" for p in path_parameters):
        statuses.add(422)
    if any(p.get("in") == "query" for p in operation.get("parameters", [])):
        statuses.add(422)
    if method in BODY_METHODS:
        statuses.add(415)
    body_types = set(operation.get("requestBody", {}).get("content", {}))
    if body_types:
        statuses |= {413, 415, 422}
    if any(t == "application/json" or t.endswith("+json") for t in body_types):
        statuses.add(400)
    return statuses


class ErrorResponsesPlugin(BasePlugin):
    """apispec plugin documenting, on every operation, the problem+json errors it can really answer with
    (error_statuses; a response documented by hand, with alt_response or doc, is kept as it is) and the body
    of an upload (`accepts`) as the binary content types it takes. A path helper, run after flask-smorest's,
    which has put the path's parameters (with their converters' types) in `parameters`."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def path_helper(
        self,
        path: str | None = None,
        operations: dict[str, Any] | None = None,
        parameters: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        rule = kwargs.get("rule")
        path_parameters = [p for p in parameters or [] if p.get("in") == "path"]
        for method, operation in (operations or {}).items():
            handler = view_handler(self.app, rule.endpoint, method) if rule is not None else None
            accepted = getattr(handler, "__lantian_accepts__", ())
            if accepted and "requestBody" not in operation:  # an upload read from the stream, not by webargs
                binary = {"schema": {"type": "string", "format": "binary"}}
                operation["requestBody"] = {"required": True, "content": {media: binary for media in accepted}}
            responses = operation.setdefault("responses", {})
            documented = {str(code) for code in responses}
            for status in sorted(error_statuses(path or "", method, operation, path_parameters, handler)):
                if str(status) not in documented:
                    responses[status] = http.HTTPStatus(status).name  # the component LantianApi registers


class LantianApi(Api):
    """flask-smorest's Api, sending its errors as problem+json and documenting each operation's error
    statuses one by one (ErrorResponsesPlugin) instead of a catch-all `default` response."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app: Flask, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), ErrorResponsesPlugin(app)]
        super().init_app(app, spec_kwargs=spec_kwargs)

    def _register_responses(self) -> None:
        """flask-smorest's response per status, with the error ones as problem+json saying what lantian means."""
        super()._register_responses()
        for status, documented in ERROR_RESPONSES.items():
            response = {**documented, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(http.HTTPStatus(status).name, response, lazy=True)

    def handle_http_exception(self, error: Any) -> Any:
        return handle_http_exception(error)


def accepts(*mimetypes: str) -> Callable[[F], F]:
    """Let a view take bodies of these content types instead of JSON (uploads)."""

    def decorator(view: F) -> F:
        view.__lantian_accepts__ = mimetypes  # type: ignore[attr-defined]
        return view

    return decorator


def check_role_first() -> None:
    """403 before the body or query is read: a caller whose role may not do this learns nothing of what the
    operation would accept (its validation errors) and costs no parsing."""
    if not request.path.startswith("/api/"):
        return
    handler = view_handler(current_app, request.endpoint or "", request.method)
    allowed = getattr(handler, "__lantian_roles__", None)
    if allowed is not None:
        check_role(allowed)


def check_content_type() -> None:
    """415 before parsing when a body arrives in a type the endpoint does not take."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith("/api/"):
        return
    if not request.content_length and "chunked" not in request.headers.get("Transfer-Encoding", ""):
        return
    handler = view_handler(current_app, request.endpoint or "", request.method)
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
