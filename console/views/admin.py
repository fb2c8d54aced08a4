"""Admin pages: users (create with a role and credit code, reset password, disable) and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from console import commands, daos
from console.access import roles_required
from console.i18n import field_reason, translate
from console.models import ConsoleRole
from shared.db import session
from shared.errors import Conflict, ValidationFailed

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@roles_required(ConsoleRole.ADMIN)
def users() -> Any:
    """Every account, and the form that creates one."""
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        try:
            user = commands.create_user(g.user, request.form.to_dict())
        except (ValidationFailed, Conflict) as exc:
            errors, status = exc.errors, exc.status
        else:
            flash(translate("已创建用户 {name}。", name=user.username), "ok")
            return redirect(url_for("admin.users"))
    form = request.form if request.method == "POST" else {}
    return render_template("admin/users.html", users=daos.users(session()), roles=list(ConsoleRole),
                           errors={e["field"]: e["reason"] for e in errors}, form=form), status


@bp.post("/users/<int:user_id>/password")
@roles_required(ConsoleRole.ADMIN)
def reset_password(user_id: int) -> Any:
    """Set a new password; the user's sessions end."""
    try:
        user = commands.reset_password(g.user, user_id, request.form.get("password", ""))
    except ValidationFailed as exc:
        flash(translate("密码未修改：{reason}", reason=field_reason(exc.errors[0]["reason"])), "error")
    else:
        flash(translate("已重置 {name} 的密码。", name=user.username), "ok")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/disable")
@roles_required(ConsoleRole.ADMIN)
def disable(user_id: int) -> Any:
    """Disable (or with enable=1, re-enable) an account."""
    enable = request.form.get("enable") == "1"
    user = commands.set_disabled(g.user, user_id, not enable)
    flash(translate("已启用 {name}。" if enable else "已停用 {name}。", name=user.username), "ok")
    return redirect(url_for("admin.users"))


@bp.get("/audit")
@roles_required(ConsoleRole.ADMIN)
def audit() -> Any:
    """The audit log, newest first, 100 a page (keyset on id)."""
    before = request.args.get("before", type=int)
    entries = daos.audit_entries(session(), 100, before)
    next_before = entries[-1].id if len(entries) == 100 else None
    return render_template("admin/audit.html", entries=entries, next_before=next_before)
