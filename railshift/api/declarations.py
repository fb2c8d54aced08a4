"""/api/v1/declarations: monthly freight declarations, their review steps and corrections."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from railshift.commands.common import hides_drafts, own_scope
from railshift.commands.declarations import create_correction, read_declaration, review_step, save_draft
from railshift.commands.reconcile import reconcile_declaration
from railshift.daos import list_declarations
from railshift.schemas import (
    DeclarationInSchema,
    DeclarationQuerySchema,
    DeclarationSchema,
    DeclarationSummarySchema,
    TransitionSchema,
    month_or_422,
    uscc_or_422,
)
from shared.api import Blueprint, ProblemSchema
from shared.auth import Role, current_principal, require_role
from shared.db import session
from shared.pagination import page_schema

blp = Blueprint("declarations", __name__, url_prefix="/api/v1",
                description="Monthly declarations of freight by goods and mode, and their review (月度申报)")
READERS = (Role.TRANSPORT, Role.ENVIRONMENT, Role.SERVICE, Role.ENTERPRISE)


@blp.route("/enterprises/<uscc>/declarations/<month>")
class Draft(MethodView):
    @blp.arguments(DeclarationInSchema())
    @blp.response(201, DeclarationSchema)
    @blp.alt_response(200, schema=DeclarationSchema, description="the open draft was updated")
    @blp.alt_response(409, schema=ProblemSchema, description="the newest version is under review or approved")
    @require_role(Role.ENTERPRISE)
    def put(self, data: dict[str, Any], uscc: str, month: str) -> Any:
        """Write the month's draft (all its lines); 201 for a new declaration, 200 when the draft is updated."""
        declaration, created = save_draft(uscc_or_422(uscc), month_or_422(month), data, current_principal())
        return declaration, 201 if created else 200


@blp.route("/declarations")
class Declarations(MethodView):
    @blp.arguments(DeclarationQuerySchema(), location="query")
    @blp.response(200, page_schema(DeclarationSummarySchema, "DeclarationPage"))
    @require_role(*READERS)
    def get(self, args: dict[str, Any]) -> Any:
        """Declaration versions in id order (filters: uscc, month, status, official); an enterprise sees its own,
        the bureaus see them once submitted."""
        principal = current_principal()
        return list_declarations(session(), args, own_scope(principal), hides_drafts(principal))


@blp.route("/declarations/<int:declaration_id>")
@blp.response(200, DeclarationSchema)
@require_role(*READERS)
def get_declaration(declaration_id: int) -> Any:
    """One version with its lines, review history, allowed next steps and gate-ledger reconciliation."""
    return read_declaration(declaration_id, current_principal())


@blp.route("/declarations/<int:declaration_id>/transitions", methods=["POST"])
@blp.arguments(TransitionSchema())
@blp.response(200, DeclarationSchema)
@blp.alt_response(409, schema=ProblemSchema, description="not allowed from the current state; lists the allowed ones")
@require_role(Role.ENTERPRISE, Role.TRANSPORT)
def post_transition(data: dict[str, Any], declaration_id: int) -> Any:
    """Submit, approve, return (with reasons) or resubmit; a retry of the same step returns the declaration."""
    return review_step(declaration_id, data, current_principal())


@blp.route("/declarations/<int:declaration_id>/corrections", methods=["POST"])
@blp.response(201, DeclarationSchema)
@blp.alt_response(200, schema=DeclarationSchema, description="the open correction already existed")
@blp.alt_response(409, description="only an approved declaration can be corrected")
@require_role(Role.ENTERPRISE)
def post_correction(declaration_id: int) -> Any:
    """Open a new version correcting an approved declaration (a draft copy that goes through review again)."""
    correction, created = create_correction(declaration_id, current_principal())
    return correction, 201 if created else 200


@blp.route("/declarations/<int:declaration_id>/reconciliation", methods=["POST"])
@blp.response(200, DeclarationSchema)
@require_role(Role.TRANSPORT)
def post_reconciliation(declaration_id: int) -> Any:
    """Compare the declared road tonnage with gatecontrol's trip counts again, now."""
    return reconcile_declaration(declaration_id)
