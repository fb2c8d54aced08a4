"""/api/v1/checks: police look up plates (one, or up to 1,000 in order); every check is logged for audit."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from shared.api import Blueprint, ProblemSchema
from shared.auth import Role, current_principal, require_role
from shared.db import session
from shared.pagination import page_schema
from vehicles.commands.checks import CheckPlates
from vehicles.commands.machinery_reports import CheckMachine
from vehicles.daos.checks import search_log
from vehicles.schemas.checks import (
    BulkCheckAnswerSchema,
    BulkCheckInSchema,
    CheckAnswerSchema,
    CheckInSchema,
    CheckLogQuerySchema,
    CheckLogSchema,
)

blp = Blueprint("checks", __name__, url_prefix="/api/v1/checks", description="Police checks of plates")

CHECKERS = (Role.POLICE, Role.ENVIRONMENT, Role.SERVICE)
# Argument schemas as instances: webargs builds a new instance of a schema class on every request, which costs
# more than the parsing (the check is the hottest endpoint; bench/vehicles_check.py).


def _run(items: list[Any], bulk: bool) -> list[dict[str, Any]]:
    principal = current_principal()
    return CheckPlates(items, principal.name, principal.role.value, bulk=bulk).run()


def _check_one(query: dict[str, Any]) -> Any:
    """A machinery code goes to the machinery check, a plate to the plate check."""
    if "code" in query:
        principal = current_principal()
        return CheckMachine(query["code"], principal.name, principal.role.value,
                            on_construction_site=query["construction_site"]).run()
    # A plate answer is built of plain JSON values with CheckAnswerSchema's fields only, which dumping through the
    # schema returns unchanged: sent as it is (the schema still documents it), without the field-by-field dump.
    return current_app.json.response(_run([query], bulk=False)[0])


@blp.route("")
class Checks(MethodView):
    """One plate: GET for a quick look-up (?plate=&plate_colour=), POST with a JSON body; both are logged."""

    @blp.arguments(CheckInSchema(), location="query")
    @blp.response(200, CheckAnswerSchema)
    @blp.alt_response(422, schema=ProblemSchema, description="empty or impossible plate, unknown colour")
    @require_role(*CHECKERS)
    def get(self, query: dict[str, Any]) -> Any:
        """Is this plate (or machinery code) blacklisted, banned in the city now (and why)? Likely plates when there
        is no exact hit."""
        return _check_one(query)

    @blp.arguments(CheckInSchema())
    @blp.response(200, CheckAnswerSchema)
    @blp.alt_response(422, schema=ProblemSchema, description="empty or impossible plate, unknown colour")
    @require_role(*CHECKERS)
    def post(self, query: dict[str, Any]) -> Any:
        """The same check with the plate (or code) in a JSON body (camera text with any characters)."""
        return _check_one(query)


@blp.route("/bulk", methods=["POST"])
@blp.arguments(BulkCheckInSchema())
@blp.response(200, BulkCheckAnswerSchema)
@blp.alt_response(413, schema=ProblemSchema, description="more than 1,000 items (the body names the limit)")
@require_role(*CHECKERS)
def check_bulk(body: dict[str, Any]) -> Any:
    """Up to 1,000 plates in one call, answered in order; a bad item is reported inline."""
    return {"items": _run(body["items"], bulk=True)}


@blp.route("/log")
@blp.arguments(CheckLogQuerySchema(), location="query")
@blp.response(200, page_schema(CheckLogSchema, "CheckLogPage"))
@require_role(Role.ENVIRONMENT)
def check_log(args: dict[str, Any]) -> Any:
    """The audit log of checks: who asked what, when, and what they were told."""
    return search_log(session(), args, args.pop("limit"), args.pop("cursor"))
