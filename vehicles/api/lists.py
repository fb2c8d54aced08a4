"""/api/v1/list-entries: blacklist and key-supervision entries; add, lift, correct, search, a subject's history."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from shared.api import Blueprint, ProblemSchema
from shared.auth import Role, current_principal, require_role
from shared.db import session
from shared.errors import NotFound
from shared.pagination import page_schema
from vehicles.commands.lists import AddListEntry, CorrectListEntry, LiftListEntry
from vehicles.daos.lists import get_entry, is_about_enterprise, search_entries, subject_history
from vehicles.list_terms import reasons
from vehicles.schemas.lists import (
    CorrectionSchema,
    HistoryQuerySchema,
    LiftSchema,
    ListEntryInSchema,
    ListEntryQuerySchema,
    ListEntrySchema,
    ReasonSchema,
    SubjectHistorySchema,
)

blp = Blueprint("lists", __name__, url_prefix="/api/v1/list-entries",
                description="Blacklists (黑名单) and key-supervision lists (重点监管)")

# Police check plates (/api/v1/checks) but neither list nor lift entries.
KEEPERS = (Role.ENVIRONMENT,)
READERS = (Role.ENVIRONMENT, Role.ENTERPRISE)


def _enterprise_scope() -> str | None:
    principal = current_principal()
    return principal.uscc if principal.role == Role.ENTERPRISE else None


@blp.route("")
class ListEntries(MethodView):
    """Search and add entries."""

    @blp.arguments(ListEntryQuerySchema(), location="query")
    @blp.response(200, page_schema(ListEntrySchema, "ListEntryPage"))
    @require_role(*READERS)
    def get(self, args: dict[str, Any]) -> Any:
        """Entries by subject, list, reason, in force on a day; an enterprise sees only entries about itself."""
        args["enterprise"] = _enterprise_scope()
        return search_entries(session(), args, args.pop("limit"), args.pop("cursor"))

    @blp.arguments(ListEntryInSchema())
    @blp.response(201, ListEntrySchema)
    @blp.alt_response(200, schema=ListEntrySchema, description="the same entry was already made (a retry)")
    @require_role(*KEEPERS)
    def post(self, facts: dict[str, Any]) -> Any:
        """Put a subject on a list; the change feed carries it to the gates."""
        entry, created = AddListEntry(facts, current_principal().name).run()
        return entry, 201 if created else 200


@blp.route("/reasons")
@blp.response(200, ReasonSchema(many=True))
@require_role(Role.ENVIRONMENT, Role.ENTERPRISE, Role.POLICE, Role.SERVICE, Role.TRANSPORT)
def list_reasons() -> Any:
    """The reason codes with their Chinese labels, allowed lists and sources."""
    return list(reasons().values())


@blp.route("/history")
@blp.arguments(HistoryQuerySchema(), location="query")
@blp.response(200, SubjectHistorySchema)
@require_role(*READERS)
def history(subject: tuple[str, str]) -> Any:
    """Every entry ever made about one subject (lifted and corrected ones too), each with its events."""
    subject_type, subject_key = subject
    return subject_history(session(), subject_type, subject_key, _enterprise_scope())


@blp.route("/<entry_id>")
@blp.response(200, ListEntrySchema)
@require_role(*READERS)
def get_one(entry_id: str) -> Any:
    """One entry."""
    entry = get_entry(session(), entry_id)
    uscc = _enterprise_scope()
    if uscc and not is_about_enterprise(session(), entry, uscc):
        raise NotFound(f"no list entry {entry_id!r}")
    return entry


@blp.route("/<entry_id>/lift", methods=["POST"])
@blp.arguments(LiftSchema())
@blp.response(200, ListEntrySchema)
@blp.alt_response(409, schema=ProblemSchema, description="already lifted")
@require_role(*KEEPERS)
def lift(body: dict[str, Any], entry_id: str) -> Any:
    """Lift an entry with a reason; it stays in the subject's history."""
    return LiftListEntry(entry_id, body["reason"], current_principal().name).run()


@blp.route("/<entry_id>/corrections", methods=["POST"])
@blp.arguments(CorrectionSchema())
@blp.response(201, ListEntrySchema)
@blp.alt_response(409, schema=ProblemSchema, description="the entry is lifted already")
@require_role(*KEEPERS)
def correct(body: dict[str, Any], entry_id: str) -> Any:
    """Correct an entry: it is lifted as corrected and a new entry superseding it is made (never edited)."""
    return CorrectListEntry(entry_id, body["changes"], body["reason"], current_principal().name).run()
