"""Who may open which page: every page names its roles; admin may open them all."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, redirect, request, url_for

from console.models import ConsoleRole
from shared.errors import Forbidden

F = TypeVar("F", bound=Callable[..., Any])

HOME = {
    ConsoleRole.ADMIN: "admin.users",
    ConsoleRole.TRANSPORT: "transport.reviews",
    ConsoleRole.ENTERPRISE: "enterprise.declarations",
    ConsoleRole.ENVIRONMENT: "environment.overview",
    ConsoleRole.POLICE: "police.search",
}


def roles_required(*roles: ConsoleRole) -> Callable[[F], F]:
    """Log in first (back to this page after), then only these roles (and admin); others get 403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = g.get("user")
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if user.role != ConsoleRole.ADMIN and user.role not in roles:
                raise Forbidden("this page is for another role")
            return view(*args, **kwargs)

        wrapper.__console_roles__ = roles  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
