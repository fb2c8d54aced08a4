"""/api/v1/changes: every change to vehicle facts in commit order, for services keeping a local copy."""

from __future__ import annotations

from typing import Any

from shared.api import Blueprint
from shared.auth import Role, require_role
from shared.db import session
from vehicles.daos.changes import changes_after
from vehicles.schemas.changes import ChangePageSchema, ChangesQuerySchema

blp = Blueprint("changes", __name__, url_prefix="/api/v1/changes", description="The change feed (commit order)")


@blp.route("")
@blp.arguments(ChangesQuerySchema(), location="query")
@blp.response(200, ChangePageSchema)
@require_role(Role.SERVICE, Role.ENVIRONMENT, Role.POLICE)
def list_changes(args: dict[str, Any]) -> Any:
    """Changes after the cursor; store next_cursor and ask again to never miss or repeat one."""
    after = int(args["after"] or 0)
    items, has_more = changes_after(session(), after, args["limit"])
    next_cursor = str(items[-1].seq) if items else str(after)
    return {"items": items, "next_cursor": next_cursor, "has_more": has_more}
