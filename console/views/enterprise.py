"""Enterprise (企业): its declarations — fill in, upload the XLSX template, submit, see review comments, export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from console.access import roles_required
from console.i18n import translate
from console.models import ConsoleRole
from console.services import fetch, send, stream, upload
from console.views.common import default_month, page_args
from console.views.transport import problem_text

bp = Blueprint("enterprise", __name__, url_prefix="/enterprise")
RAILSHIFT = "railshift"
DIRECTIONS = ("inbound", "outbound")
GOODS = ("coal", "coke", "iron_ore", "other_bulk", "other")
MODES = ("rail", "pipeline", "closed_belt", "new_energy_truck", "china_6_truck", "china_5_truck", "other_road")
BLANK_LINES = 4  # empty rows offered under the existing lines of a draft
EXPORT_FORMATS = ("xlsx", "csv")
MAX_ROWS = 70  # railshift takes at most 70 lines (2 directions x 5 goods x 7 modes)


def _own_uscc() -> str:
    return g.user.uscc or request.args.get("uscc", "")


@bp.get("/declarations")
@roles_required(ConsoleRole.ENTERPRISE)
def declarations() -> Any:
    """Its declarations (every version, drafts included) in keyset pages, with exports of the same filters."""
    filters = {"uscc": _own_uscc(), "month": request.args.get("month"), "status": request.args.get("status")}
    found = fetch(RAILSHIFT, "/api/v1/declarations", page_args(request.args, **filters))
    return render_template("enterprise/declarations.html", found=found, filters=filters,
                           new_month=default_month())


@bp.get("/declarations/export")
@roles_required(ConsoleRole.ENTERPRISE)
def export() -> Any:
    """The same declarations as a spreadsheet, streamed from railshift's export."""
    fmt = request.args.get("format") if request.args.get("format") in EXPORT_FORMATS else "xlsx"
    params = {"format": fmt, "uscc": _own_uscc()}
    for key in ("month", "status"):
        if request.args.get(key):
            params[key] = request.args[key]
    return stream(RAILSHIFT, "/api/v1/declarations/export", params)


@bp.get("/declarations/template")
@roles_required(ConsoleRole.ENTERPRISE)
def template() -> Any:
    """The blank declaration template (XLSX or CSV) railshift publishes."""
    fmt = request.args.get("format") if request.args.get("format") in EXPORT_FORMATS else "xlsx"
    return stream(RAILSHIFT, "/api/v1/declarations/template", {"format": fmt})


@bp.route("/declarations/draft/<month>", methods=["GET", "POST"])
@roles_required(ConsoleRole.ENTERPRISE)
def draft(month: str) -> Any:
    """Fill in the month's draft line by line; saving replaces every line (a resend is harmless)."""
    problem = None
    if request.method == "POST":
        body = {"lines": _lines_from_form(request.form), "note": request.form.get("note") or None}
        outcome = send(RAILSHIFT, "PUT", f"/api/v1/enterprises/{_own_uscc()}/declarations/{month}", body)
        if outcome.ok:
            flash(translate("草稿已保存。"), "ok")
            return redirect(url_for("enterprise.declaration", declaration_id=outcome.data["id"]))
        problem = outcome.problem or {"detail": problem_text(outcome)}
        lines = body["lines"]
        note = body["note"]
    else:
        lines, note = _current_lines(month)
    rows = lines + [{} for _ in range(BLANK_LINES)]
    return render_template("enterprise/draft.html", month=month, rows=rows, note=note, problem=problem,
                           directions=DIRECTIONS, goods=GOODS, modes=MODES), 422 if problem else 200


@bp.get("/declarations/<int:declaration_id>")
@roles_required(ConsoleRole.ENTERPRISE)
def declaration(declaration_id: int) -> Any:
    """One of its declarations: lines, that version's shares against its targets, status, the bureau's comments
    and reasons, what it may do next."""
    found = fetch(RAILSHIFT, f"/api/v1/declarations/{declaration_id}", main=True)
    ratios = None
    if found.ok:
        ratios = fetch(RAILSHIFT, f"/api/v1/enterprises/{found.data['uscc']}/ratios",
                       {"month": found.data["month"], "declaration_id": declaration_id})
    return render_template("declarations/detail.html", found=found, ratios=ratios, reviewer=False)


@bp.post("/declarations/<int:declaration_id>/submit")
@roles_required(ConsoleRole.ENTERPRISE)
def submit(declaration_id: int) -> Any:
    """Submit (or resubmit, after a return) for review."""
    action = "resubmit" if request.form.get("action") == "resubmit" else "submit"
    outcome = send(RAILSHIFT, "POST", f"/api/v1/declarations/{declaration_id}/transitions", {"action": action})
    flash(translate("已提交审核。") if outcome.ok else problem_text(outcome), "ok" if outcome.ok else "error")
    return redirect(url_for("enterprise.declaration", declaration_id=declaration_id))


@bp.post("/declarations/<int:declaration_id>/correction")
@roles_required(ConsoleRole.ENTERPRISE)
def correction(declaration_id: int) -> Any:
    """Open a correction of an approved declaration: a new draft version copied from it (again: the same one)."""
    outcome = send(RAILSHIFT, "POST", f"/api/v1/declarations/{declaration_id}/corrections")
    if not outcome.ok:
        flash(problem_text(outcome), "error")
        return redirect(url_for("enterprise.declaration", declaration_id=declaration_id))
    flash(translate("已创建更正版本（草稿），修改后提交审核。"), "ok")
    return redirect(url_for("enterprise.declaration", declaration_id=outcome.data["id"]))


@bp.route("/declarations/upload", methods=["GET", "POST"])
@roles_required(ConsoleRole.ENTERPRISE)
def upload_file() -> Any:
    """Upload the filled-in template; every bad cell is listed and nothing is saved, or each month becomes a draft."""
    problem = None
    saved = None
    if request.method == "POST":
        file = request.files.get("file")
        if file is None or not file.filename:
            problem = {"detail": translate("请选择要上传的文件。"), "errors": [{"field": "file", "reason": "required"}]}
        else:
            outcome = upload(RAILSHIFT, "/api/v1/declarations/upload", file.read(), file.filename,
                             file.mimetype or "application/octet-stream")
            if outcome.ok:
                saved = outcome.data
            else:
                problem = outcome.problem or {"detail": problem_text(outcome)}
    status = 422 if problem else 200
    return render_template("enterprise/upload.html", problem=problem, saved=saved), status


def _current_lines(month: str) -> tuple[list[dict[str, Any]], str | None]:
    """The lines of the month's newest version, to start the form from."""
    found = fetch(RAILSHIFT, "/api/v1/declarations", {"uscc": _own_uscc(), "month": month, "limit": 50})
    if not found.ok or not found.data.get("items"):
        return [], None
    newest = max(found.data["items"], key=lambda d: d["version"])
    detail = fetch(RAILSHIFT, f"/api/v1/declarations/{newest['id']}")
    if not detail.ok:
        return [], None
    return list(detail.data.get("lines") or []), detail.data.get("note")


def _lines_from_form(form: Any) -> list[dict[str, str]]:
    """Rows of the form's line table; a row with no tonnes is an unused blank row."""
    lines = []
    for index in range(min(form.get("row_count", 0, type=int), MAX_ROWS)):
        tonnes = (form.get(f"tonnes_{index}") or "").strip()
        if not tonnes:
            continue
        lines.append({"direction": form.get(f"direction_{index}", ""), "goods": form.get(f"goods_{index}", ""),
                      "mode": form.get(f"mode_{index}", ""), "tonnes": tonnes})
    return lines
