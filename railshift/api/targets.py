"""/api/v1/targets: which targets apply to whom and what each ratio counts (data, seeded from targets.yaml)."""

from __future__ import annotations

from typing import Any

from railshift.commands.targets import upsert_target
from railshift.daos import all_targets, ratio_definitions
from railshift.schemas import TargetInSchema, TargetSchema, TargetsSchema
from shared.api import Blueprint
from shared.auth import Role, require_role
from shared.db import session

blp = Blueprint("targets", __name__, url_prefix="/api/v1/targets",
                description="Target applicability and ratio definitions (values live in the policy rules)")


@blp.route("")
@blp.response(200, TargetsSchema)
def list_targets() -> Any:
    """Every ratio definition and target applicability row."""
    db_session = session()
    return {"ratio_definitions": list(ratio_definitions(db_session).values()), "targets": all_targets(db_session)}


@blp.route("/<key>", methods=["PUT"])
@blp.arguments(TargetInSchema())
@blp.response(201, TargetSchema)
@blp.alt_response(200, schema=TargetSchema, description="it existed and was updated (or unchanged)")
@require_role(Role.TRANSPORT)
def put_target(data: dict[str, Any], key: str) -> Any:
    """Say who a policy rule applies to (e.g. a new city plan's target); the same body again is a no-op."""
    target, created = upsert_target(key, data)
    return target, 201 if created else 200
