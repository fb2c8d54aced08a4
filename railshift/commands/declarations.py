"""Monthly declarations: drafts, the review workflow, corrections as new versions."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from railshift.commands.common import check_may_see_drafts, check_scope, reject_future_month
from railshift.daos import declaration_or_404, enterprise_or_404, replace_lines, versions
from railshift.models import Declaration, Transition
from railshift.rules import AWAITING_REVIEW, check_editable, check_lines_before_review, next_status
from railshift.terms import Action, DeclarationStatus
from shared.auth import Principal
from shared.db import unit_of_work, utcnow
from shared.errors import Conflict

logger = logging.getLogger(__name__)


def _log(declaration: Declaration, action: str, before: str | None, principal: Principal, **details: Any) -> None:
    declaration.transitions.append(
        Transition(
            action=action,
            from_status=before,
            to_status=declaration.status,
            actor=principal.name,
            actor_role=principal.role.value,
            at=utcnow(),
            comment=details.get("comment"),
            reasons=details.get("reasons"),
        )
    )


def save_draft(uscc: str, month: str, data: dict[str, Any], principal: Principal) -> tuple[Declaration, bool]:
    """Write the lines of the enterprise-month's open version (a new draft if none); 409 once it is under review.

    Sending the same body again leaves the same draft, so a client may retry the PUT.
    """
    check_scope(principal, uscc)
    reject_future_month(month)
    try:
        with unit_of_work() as db_session:
            return write_draft(db_session, uscc, month, data, principal)
    except IntegrityError:
        # Two first PUTs of the same month raced to create version 1; the loser finds it now and updates it.
        with unit_of_work() as db_session:
            return write_draft(db_session, uscc, month, data, principal)


def write_draft(
    db_session: Session, uscc: str, month: str, data: dict[str, Any], principal: Principal
) -> tuple[Declaration, bool]:
    """save_draft inside the caller's transaction (an upload writes many enterprise-months at once)."""
    enterprise = enterprise_or_404(db_session, uscc)
    existing = versions(db_session, enterprise.id, month, for_update=True)
    created = not existing
    if created:
        declaration = Declaration(
            enterprise=enterprise,
            uscc=uscc,
            month=month,
            version=1,
            status=DeclarationStatus.DRAFT.value,
            created_by=principal.name,
            attachments=[],
            lines=[],
            transitions=[],
        )
        db_session.add(declaration)
        _log(declaration, "create", None, principal)
    else:
        declaration = existing[-1]
        check_editable(declaration.status)
    replace_lines(db_session, declaration, data["lines"])
    if "attachments" in data:
        declaration.attachments = data["attachments"]
    if "note" in data:
        declaration.note = data.get("note")
    declaration.updated_at = utcnow()
    db_session.flush()
    return declaration, created


def transition(declaration_id: int, data: dict[str, Any], principal: Principal) -> tuple[Declaration, bool]:
    """Take a workflow step (submit, approve, return, resubmit); returns (declaration, whether it moved).

    A retry of the step just taken by the same person (same action, the declaration already where it led)
    is answered with the declaration as it stands instead of a 409.
    """
    action = data["action"]
    with unit_of_work() as db_session:
        declaration = declaration_or_404(db_session, declaration_id, for_update=True)
        check_scope(principal, declaration.uscc)
        last = declaration.transitions[-1] if declaration.transitions else None
        if last and last.action == action and last.actor == principal.name and last.to_status == declaration.status:
            return declaration, False
        before = declaration.status
        after = next_status(before, action, principal.role.value)
        check_lines_before_review(after, len(declaration.lines))
        declaration.status = after.value
        if declaration.status in AWAITING_REVIEW:
            declaration.submitted_at = utcnow()
        if action == Action.APPROVE:
            for other in versions(db_session, declaration.enterprise_id, declaration.month):
                if other.id != declaration.id and other.official:
                    other.official = False
            declaration.official = True
        declaration.updated_at = utcnow()
        _log(declaration, action, before, principal, comment=data.get("comment"), reasons=data.get("reasons"))
        db_session.flush()
    return declaration, True


def create_correction(declaration_id: int, principal: Principal) -> tuple[Declaration, bool]:
    """Open a new version (a draft copy) correcting an approved declaration; again returns the same draft."""
    with unit_of_work() as db_session:
        original = declaration_or_404(db_session, declaration_id, for_update=True)
        check_scope(principal, original.uscc)
        all_versions = versions(db_session, original.enterprise_id, original.month, for_update=True)
        newest = all_versions[-1]
        if newest.id != original.id:
            if newest.supersedes_id == original.id and newest.status != DeclarationStatus.APPROVED:
                return newest, False
            raise Conflict(
                f"version {original.version} is not the newest (version {newest.version} is); correct that one",
                errors=[{"field": "id", "reason": f"superseded by declaration {newest.id}"}],
                newest_id=newest.id,
            )
        if original.status != DeclarationStatus.APPROVED:
            raise Conflict(
                f"only an approved declaration is corrected by a new version; this one is {original.status} "
                "and can still be edited or reviewed",
                errors=[{"field": "status", "reason": "not approved"}],
                status_now=original.status,
            )
        correction = Declaration(
            enterprise=original.enterprise,
            uscc=original.uscc,
            month=original.month,
            version=original.version + 1,
            supersedes_id=original.id,
            status=DeclarationStatus.DRAFT.value,
            created_by=principal.name,
            attachments=list(original.attachments),
            note=original.note,
            lines=[],
            transitions=[],
        )
        replace_lines(
            db_session,
            correction,
            [{"direction": x.direction, "goods": x.goods, "mode": x.mode, "tonnes": x.tonnes} for x in original.lines],
        )
        db_session.add(correction)
        _log(correction, "correct", None, principal, comment=f"corrects version {original.version}")
        db_session.flush()
    return correction, True


def read_declaration(declaration_id: int, principal: Principal) -> Declaration:
    """One declaration version, for its enterprise or the bureaus."""
    from shared.db import session

    declaration = declaration_or_404(session(), declaration_id)
    check_scope(principal, declaration.uscc)
    if declaration.status == DeclarationStatus.DRAFT:
        check_may_see_drafts(principal)
    return declaration


def review_step(declaration_id: int, data: dict[str, Any], principal: Principal) -> Declaration:
    """A workflow step; a (re)submission is then checked against the gate ledger, which may be unavailable."""
    from railshift.commands.reconcile import reconcile_declaration

    declaration, moved = transition(declaration_id, data, principal)
    if moved and declaration.status in AWAITING_REVIEW:
        declaration = reconcile_declaration(declaration_id)
    return declaration
