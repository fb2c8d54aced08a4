"""/api/v1/enterprises: register (idempotent upsert by credit code), read, list with filters."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from railshift.commands.common import check_scope, own_scope
from railshift.commands.enterprises import upsert_enterprise
from railshift.daos import enterprise_or_404, list_enterprises
from railshift.schemas import EnterpriseInSchema, EnterpriseQuerySchema, EnterpriseSchema, uscc_or_422
from shared.api import Blueprint
from shared.auth import Role, current_principal, require_role
from shared.db import session
from shared.pagination import page_schema

blp = Blueprint("enterprises", __name__, url_prefix="/api/v1/enterprises",
                description="Enterprises that declare freight by mode (企业)")
READERS = (Role.TRANSPORT, Role.ENVIRONMENT, Role.SERVICE, Role.ENTERPRISE)


@blp.route("")
class Enterprises(MethodView):
    @blp.arguments(EnterpriseQuerySchema(), location="query")
    @blp.response(200, page_schema(EnterpriseSchema, "EnterprisePage"))
    @require_role(*READERS)
    def get(self, args: dict[str, Any]) -> Any:
        """List enterprises by credit code (filters: industry, city, district, siding, fringe); an enterprise
        sees only itself."""
        return list_enterprises(session(), args, own_scope(current_principal()))


@blp.route("/<uscc>")
class EnterpriseResource(MethodView):
    @blp.response(200, EnterpriseSchema)
    @require_role(*READERS)
    def get(self, uscc: str) -> Any:
        """One enterprise; an enterprise may read only its own (403 otherwise)."""
        uscc = uscc_or_422(uscc)
        check_scope(current_principal(), uscc)
        return enterprise_or_404(session(), uscc)

    @blp.arguments(EnterpriseInSchema())
    @blp.response(201, EnterpriseSchema)
    @blp.alt_response(200, schema=EnterpriseSchema, description="it existed and was updated (or unchanged)")
    @require_role(Role.TRANSPORT)
    def put(self, data: dict[str, Any], uscc: str) -> Any:
        """Register or update an enterprise; the same body again is a no-op."""
        enterprise, created = upsert_enterprise(uscc_or_422(uscc), data)
        return enterprise, 201 if created else 200
