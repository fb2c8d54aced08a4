"""/api/v1/reviews/pending: what awaits the transport bureau's review, the longest-waiting first."""

from __future__ import annotations

from typing import Any

from railshift.commands.common import city_today
from railshift.daos import pending_reviews
from railshift.schemas import PendingQuerySchema, PendingSchema
from shared.api import Blueprint
from shared.auth import Role, require_role
from shared.db import session
from shared.pagination import page_schema
from shared.timeutil import local_date

blp = Blueprint("reviews", __name__, url_prefix="/api/v1/reviews", description="The transport bureau's review queue")


@blp.route("/pending")
@blp.arguments(PendingQuerySchema(), location="query")
@blp.response(200, page_schema(PendingSchema, "PendingPage"))
@require_role(Role.TRANSPORT, Role.ENVIRONMENT)
def pending(args: dict[str, Any]) -> Any:
    """Submitted and resubmitted declarations, oldest submission first, with days waiting."""
    page = pending_reviews(session(), args)
    today = city_today()
    for declaration in page.items:
        declaration.waiting_days = (today - local_date(declaration.submitted_at)).days
    return page
