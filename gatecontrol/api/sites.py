"""/api/v1/sites: sites, their gates, cameras and gate keys (registered by the environment bureau)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from gatecontrol.commands import sites
from gatecontrol.schemas import (
    SITE_ID,
    CameraSchema,
    GateSchema,
    KeyInfoSchema,
    KeyRequestSchema,
    KeySchema,
    RevokeKeySchema,
    SiteQuerySchema,
    SiteSchema,
)
from shared.api import Blueprint, ProblemSchema
from shared.auth import Role, current_principal, require_role
from shared.db import session
from shared.errors import ValidationFailed
from shared.pagination import page_schema

blp = Blueprint("sites", __name__, url_prefix="/api/v1/sites", description="Sites, gates, cameras and gate keys")
WRITERS = (Role.ENVIRONMENT,)
READERS = (Role.ENVIRONMENT, Role.TRANSPORT, Role.POLICE, Role.SERVICE, Role.ENTERPRISE)


def _check_ids(**ids: str) -> None:
    for name, value in ids.items():
        error = SITE_ID.regex.match(value) is None if name == "site_id" else len(value) > 64
        if error:
            raise ValidationFailed(
                f"{name} {value!r} is not valid",
                errors=[{"field": name, "in": "path", "reason": "1-32 letters, digits, _ - ."}],
            )


@blp.route("")
@blp.arguments(SiteQuerySchema(), location="query")
@blp.response(200, page_schema(SiteSchema, "SitePage"))
@require_role(*READERS)
def list_sites(args: dict[str, Any]) -> Any:
    """Sites by area (district or city), credit code, industry and key-user flag, in id order (keyset pages)."""
    return sites.list_sites(args, current_principal())


@blp.route("/<site_id>")
class SiteResource(MethodView):
    @blp.arguments(SiteSchema())
    @blp.response(200, SiteSchema)
    @blp.alt_response(201, schema=SiteSchema, description="created")
    @require_role(*WRITERS)
    def put(self, data: dict[str, Any], site_id: str) -> Any:
        """Create or update a site (idempotent)."""
        _check_ids(site_id=site_id)
        site, created = sites.upsert_site(site_id, data)
        return site, 201 if created else 200

    @blp.response(200, SiteSchema)
    @blp.alt_response(404, schema=ProblemSchema)
    @require_role(*READERS)
    def get(self, site_id: str) -> Any:
        """One site."""
        from gatecontrol.daos import get_site

        site = get_site(session(), site_id)
        sites.authorise_site(current_principal(), site)
        return site


@blp.route("/<site_id>/gates/<gate_id>", methods=["PUT"])
@blp.arguments(GateSchema())
@blp.response(200, GateSchema)
@blp.alt_response(201, schema=GateSchema, description="created")
@require_role(*WRITERS)
def put_gate(data: dict[str, Any], site_id: str, gate_id: str) -> Any:
    """Create or update a gate (idempotent)."""
    _check_ids(site_id=site_id, gate_id=gate_id)
    gate, created = sites.upsert_gate(site_id, gate_id, data)
    return gate, 201 if created else 200


@blp.route("/<site_id>/gates")
@blp.response(200, GateSchema(many=True))
@require_role(*READERS)
def list_gates(site_id: str) -> Any:
    """A site's gates with their last event and heartbeat."""
    return sites.list_gates(site_id, current_principal())


@blp.route("/<site_id>/cameras/<camera_id>", methods=["PUT"])
@blp.arguments(CameraSchema())
@blp.response(200, CameraSchema)
@blp.alt_response(201, schema=CameraSchema, description="created")
@require_role(*WRITERS)
def put_camera(data: dict[str, Any], site_id: str, camera_id: str) -> Any:
    """Create or update a camera (idempotent)."""
    _check_ids(site_id=site_id, camera_id=camera_id)
    camera, created = sites.upsert_camera(site_id, camera_id, data)
    return camera, 201 if created else 200


@blp.route("/<site_id>/keys")
class Keys(MethodView):
    @blp.arguments(KeyRequestSchema())
    @blp.response(201, KeySchema)
    @require_role(Role.ENVIRONMENT, Role.ENTERPRISE)
    def post(self, data: dict[str, Any], site_id: str) -> Any:
        """Issue a gate key (shown only in this answer); `retire_key_id` rotates an older key out."""
        return sites.issue_key(site_id, current_principal(), data)

    @blp.response(200, KeyInfoSchema(many=True))
    @require_role(Role.ENVIRONMENT, Role.ENTERPRISE)
    def get(self, site_id: str) -> Any:
        """The site's keys: ids and dates, never the keys."""
        return sites.list_keys(site_id, current_principal())


@blp.route("/<site_id>/keys/<key_id>/revoke", methods=["POST"])
@blp.arguments(RevokeKeySchema())
@blp.response(200, KeyInfoSchema)
@require_role(Role.ENVIRONMENT, Role.ENTERPRISE)
def revoke_key(data: dict[str, Any], site_id: str, key_id: str) -> Any:
    """Revoke a key at once (safe to repeat)."""
    return sites.revoke_key(site_id, key_id, current_principal(), data["reason"])
