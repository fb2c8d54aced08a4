"""What every railshift command needs: the city's today, the future-month check, the enterprise scope rule."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from marshmallow import ValidationError

from railshift.models import Declaration
from railshift.rules import is_future_month
from railshift.terms import DeclarationStatus
from shared.auth import Principal, Role
from shared.errors import Forbidden
from shared.timeutil import zone


def city_today() -> date:
    """Today in the city's time zone (months are cut there, not in UTC)."""
    return datetime.now(zone(current_app.extensions["lantian.settings"].timezone)).date()


def reject_future_month(month: str, field: str = "month") -> None:
    """422 naming `field` when the month has not begun yet in the city."""
    if is_future_month(month, city_today()):
        raise ValidationError({field: [f"{month} is in the future (today is {city_today()} in the city)"]})


def check_scope(principal: Principal, uscc: str) -> None:
    """An enterprise acts only for its own credit code: another's is a 403 (existence is not hidden)."""
    if principal.role == Role.ENTERPRISE and principal.uscc != uscc:
        raise Forbidden(f"this token speaks for enterprise {principal.uscc}, not {uscc}")


def own_scope(principal: Principal) -> str | None:
    """The credit code an enterprise caller is limited to (None for bureau roles)."""
    return principal.uscc if principal.role == Role.ENTERPRISE else None


def check_may_see_drafts(principal: Principal) -> None:
    """A draft is the enterprise's own workspace: the bureaus see a declaration once it is submitted."""
    if principal.role not in (Role.ENTERPRISE, Role.ADMIN):
        raise Forbidden("drafts are visible to their enterprise only; the bureaus see declarations once submitted")


def check_may_read(principal: Principal, declaration: Declaration) -> None:
    """One declaration version: its enterprise reads it; the bureaus read it once it is no longer a draft."""
    check_scope(principal, declaration.uscc)
    if declaration.status == DeclarationStatus.DRAFT:
        check_may_see_drafts(principal)


def hides_drafts(principal: Principal) -> bool:
    """Whether listings for this caller leave drafts out."""
    return principal.role not in (Role.ENTERPRISE, Role.ADMIN)
