"""Transport bureau (交通运输局): the review queue, one declaration to approve or return, ranking, non-compliant."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from console.access import roles_required
from console.i18n import problem_text as problem_sentence
from console.i18n import service_label, translate
from console.models import ConsoleRole
from console.services import fetch, send
from console.views.common import page_args, view_args

bp = Blueprint("transport", __name__, url_prefix="/transport")
RAILSHIFT = "railshift"


@bp.get("/reviews")
@roles_required(ConsoleRole.TRANSPORT)
def reviews() -> Any:
    """Declarations awaiting review, the longest-waiting first (railshift's keyset pages)."""
    queue = fetch(RAILSHIFT, "/api/v1/reviews/pending", page_args(request.args))
    return render_template("transport/reviews.html", queue=queue)


@bp.get("/declarations/<int:declaration_id>")
@roles_required(ConsoleRole.TRANSPORT, ConsoleRole.ENVIRONMENT)
def declaration(declaration_id: int) -> Any:
    """One declaration with its lines, that version's shares against the enterprise's targets and the
    reconciliation gap."""
    found = fetch(RAILSHIFT, f"/api/v1/declarations/{declaration_id}", main=True)
    ratios = None
    if found.ok:
        # the version on the page, not the approved figures: a reviewer judges it before approving it
        ratios = fetch(RAILSHIFT, f"/api/v1/enterprises/{found.data['uscc']}/ratios",
                       {"month": found.data["month"], "declaration_id": declaration_id})
    return render_template("declarations/detail.html", found=found, ratios=ratios, reviewer=True)


@bp.post("/declarations/<int:declaration_id>/review")
@roles_required(ConsoleRole.TRANSPORT)
def review(declaration_id: int) -> Any:
    """Approve, or return with one reason a line (railshift refuses a return without reasons)."""
    action = request.form.get("action")
    reasons = [line.strip() for line in request.form.get("reasons", "").splitlines() if line.strip()]
    body = {"action": action, "comment": request.form.get("comment") or None, "reasons": reasons or None}
    outcome = send(RAILSHIFT, "POST", f"/api/v1/declarations/{declaration_id}/transitions", body)
    if outcome.ok:
        flash(translate("已通过。" if action == "approve" else "已退回。"), "ok")
        return redirect(url_for("transport.reviews"))
    flash(problem_text(outcome), "error")
    return redirect(url_for("transport.declaration", declaration_id=declaration_id))


@bp.get("/ranking")
@roles_required(ConsoleRole.TRANSPORT, ConsoleRole.ENVIRONMENT)
def ranking() -> Any:
    """Enterprises ranked by a share (bar chart and table), with the city or district aggregate."""
    args = view_args(request.args)
    found = fetch(RAILSHIFT, "/api/v1/ratios/ranking", args)
    return render_template("transport/ranking.html", found=found, args=args, month=args["month"])


@bp.get("/non-compliant")
@roles_required(ConsoleRole.TRANSPORT, ConsoleRole.ENVIRONMENT)
def non_compliant() -> Any:
    """Enterprises missing a target or their siding obligation, worst margin first."""
    args = view_args(request.args)
    found = fetch(RAILSHIFT, "/api/v1/ratios/non-compliant", args)
    return render_template("transport/non_compliant.html", found=found, args=args)


def problem_text(outcome: Any) -> str:
    """A refusal as one line for the person: a sentence in the interface language and each field's reason."""
    if outcome.unavailable:
        return translate("{service}暂不可用，操作未完成。", service=service_label(outcome.service))
    return problem_sentence(outcome.problem or {})

