"""Blacklists (黑名单) and key-supervision lists (重点监管), kept by vehicles: the environment bureau lists, adds,
lifts with a reason and reads a subject's history; an enterprise reads the entries about itself ("our list
entries": vehicles scopes the answer to the token's credit code). Police have no page here (403)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from console.access import roles_required
from console.i18n import translate
from console.models import ConsoleRole
from console.services import fetch, forbid_refused, send
from console.views.common import page_args
from console.views.transport import problem_text
from shared.timeutil import zone

bp = Blueprint("lists", __name__)
VEHICLES = "vehicles"
LIST_KINDS = ("blacklist", "key_supervision")
SUBJECT_TYPES = ("vehicle", "machinery", "enterprise")
PLATE_COLOURS = ("yellow", "blue", "green", "yellow-green", "white", "black")
SEASONS = ("autumn_winter",)  # vehicles' named seasonal scopes (list_policy.yaml); others give from/to
DEFAULT_AUTHORITY = "临汾市生态环境局"


def subject_query(subject_type: str, text: str, colour: str | None = None) -> dict[str, str]:
    """The vehicles query parameters naming one subject, from what a person typed in one box."""
    text = text.strip()
    if not text:
        return {}
    if subject_type == "vehicle":
        return {"plate": text, **({"plate_colour": colour} if colour else {})}
    if subject_type == "machinery":
        return {"code": text}
    return {"uscc": text}


def history_args(entry: dict[str, Any]) -> dict[str, str]:
    """The history page's arguments for the subject of an entry."""
    if entry.get("subject_type") == "vehicle":
        return {"plate": entry.get("plate") or "", "plate_colour": entry.get("plate_colour") or ""}
    return {"code" if entry.get("subject_type") == "machinery" else "uscc": entry.get("subject_key") or ""}


bp.add_app_template_global(history_args, "history_args")


def entry_body(form: Any, actor: str) -> dict[str, Any]:
    """The POST /list-entries body from the add form (vehicles validates every field and names the bad ones)."""
    subject_type = form.get("subject_type", "vehicle")
    body: dict[str, Any] = {
        "subject_type": subject_type,
        "list_kind": form.get("list_kind", ""),
        "reason_code": form.get("reason_code", ""),
        "evidence": [line.strip() for line in form.get("evidence", "").splitlines() if line.strip()],
        "authority": form.get("authority", "").strip(),
        "issued_by": form.get("issued_by", "").strip() or actor,
        "effective_from": form.get("effective_from", ""),
        "until": form.get("until") or None,
        "note": form.get("note", "").strip() or None,
    }
    body.update(subject_query(subject_type, form.get("subject", ""), form.get("plate_colour")))
    if form.get("season"):
        body["season"] = form["season"]
    return body


def _today() -> str:
    return datetime.now(zone()).date().isoformat()


def _filters() -> dict[str, str]:
    args = request.args
    return {name: args.get(name, "") for name in ("subject_type", "subject", "plate_colour", "list_kind",
                                                  "reason_code", "state")}


def _search(filters: dict[str, str]) -> Any:
    params: dict[str, Any] = {key: filters[key] for key in ("list_kind", "reason_code") if filters[key]}
    if filters["subject_type"]:
        params["subject_type"] = filters["subject_type"]
        params.update(subject_query(filters["subject_type"], filters["subject"], filters["plate_colour"] or None))
    if filters["state"] == "active":
        params["active_on"] = _today()
    elif filters["state"] == "lifted":
        params["lifted"] = "true"
    return fetch(VEHICLES, "/api/v1/list-entries", page_args(request.args, **params))


def _reasons() -> Any:
    return fetch(VEHICLES, "/api/v1/list-entries/reasons")


def _entries(keeper: bool, endpoint: str) -> Any:
    filters = _filters()
    return render_template("lists/entries.html", found=_search(filters), reasons=_reasons(), filters=filters,
                           keeper=keeper, endpoint=endpoint)


@bp.get("/environment/lists")
@roles_required(ConsoleRole.ENVIRONMENT)
def entries() -> Any:
    """Entries filtered by subject, list kind, reason and state, in keyset pages; each row can be lifted."""
    return _entries(keeper=True, endpoint="lists.entries")


@bp.route("/environment/lists/new", methods=["GET", "POST"])
@roles_required(ConsoleRole.ENVIRONMENT)
def add() -> Any:
    """Put a subject on a list: the reason codes offered are the ones vehicles allows, with their sources."""
    form: dict[str, Any] = {"authority": DEFAULT_AUTHORITY, "issued_by": g.user.display_name,
                            "effective_from": _today(), "subject_type": "vehicle", "list_kind": "blacklist"}
    problem = None
    if request.method == "POST":
        form = request.form.to_dict()
        outcome = send(VEHICLES, "POST", "/api/v1/list-entries", entry_body(request.form, g.user.display_name))
        if outcome.ok:
            flash(translate("已列入名单：{subject}。", subject=outcome.data.get("subject_key", "")), "ok")
            return redirect(url_for("lists.history", **history_args(outcome.data)))
        problem = outcome.problem or {"detail": problem_text(outcome)}
    return render_template("lists/add.html", form=form, reasons=_reasons(), problem=problem,
                           kinds=LIST_KINDS, subject_types=SUBJECT_TYPES, colours=PLATE_COLOURS, seasons=SEASONS), (
        422 if problem else 200)


@bp.post("/environment/lists/<entry_id>/lift")
@roles_required(ConsoleRole.ENVIRONMENT)
def lift(entry_id: str) -> Any:
    """Lift an entry with a reason (required); the entry stays in the subject's history."""
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash(translate("解除名单须填写原因。"), "error")
        return redirect(request.referrer or url_for("lists.entries"))
    outcome = send(VEHICLES, "POST", f"/api/v1/list-entries/{entry_id}/lift", {"reason": reason})
    if outcome.ok:
        flash(translate("已解除。"), "ok")
        return redirect(url_for("lists.history", **history_args(outcome.data)))
    flash(problem_text(outcome), "error")
    return redirect(request.referrer or url_for("lists.entries"))


@bp.get("/environment/lists/history")
@roles_required(ConsoleRole.ENVIRONMENT)
def history() -> Any:
    """Every entry ever made about one subject (lifted and corrected ones too), each with its events."""
    return _history(keeper=True)


@bp.get("/enterprise/list-entries")
@roles_required(ConsoleRole.ENTERPRISE)
def own_entries() -> Any:
    """Our list entries: vehicles answers an enterprise token with the entries about itself and its vehicles."""
    return _entries(keeper=False, endpoint="lists.own_entries")


@bp.get("/enterprise/list-entries/history")
@roles_required(ConsoleRole.ENTERPRISE)
def own_history() -> Any:
    """The history of one of our subjects (vehicles refuses or empties another's)."""
    return _history(keeper=False)


def _history(keeper: bool) -> Any:
    args = request.args
    params = {k: args[k] for k in ("plate", "plate_colour", "code", "uscc") if args.get(k)}
    found = forbid_refused(fetch(VEHICLES, "/api/v1/list-entries/history", params)) if params else None
    return render_template("lists/history.html", found=found, params=params, keeper=keeper, colours=PLATE_COLOURS)
