"""/api/v1/holds and /api/v1/purge-log: legal holds that stop the purge, and the record of every purge."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from gatecontrol.commands.retention import place_hold, release_hold
from gatecontrol.models import LegalHold, PurgeLog
from shared.api import Blueprint
from shared.auth import Role, current_principal, require_role
from shared.db import session

blp = Blueprint("retention", __name__, url_prefix="/api/v1", description="Legal holds and the purge log")


class HoldSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    plate = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    starts_at = fields.AwareDateTime(load_default=None, allow_none=True)
    ends_at = fields.AwareDateTime(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    created_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    released_at = fields.DateTime(dump_only=True, allow_none=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("must be after starts_at", "ends_at")


class PurgeLogSchema(Schema):
    id = fields.Integer()
    what = fields.String()
    range_from = fields.DateTime(allow_none=True)
    range_to = fields.DateTime()
    method = fields.String()
    count = fields.Integer()
    held_back = fields.Integer()
    run_at = fields.DateTime()
    run_by = fields.String()


@blp.route("/holds")
class Holds(MethodView):
    @blp.arguments(HoldSchema())
    @blp.response(201, HoldSchema)
    @require_role(Role.ENVIRONMENT, Role.POLICE)
    def post(self, data: dict[str, Any]) -> Any:
        """Put a site, a plate or a time range (or a combination) under a legal hold: never purged."""
        return place_hold(data, current_principal().name)

    @blp.response(200, HoldSchema(many=True))
    @require_role(Role.ENVIRONMENT, Role.POLICE)
    def get(self) -> Any:
        """Every hold, active and released."""
        return list(session().scalars(select(LegalHold).order_by(LegalHold.id)))


@blp.route("/holds/<int:hold_id>/release", methods=["POST"])
@blp.response(200, HoldSchema)
@require_role(Role.ENVIRONMENT, Role.POLICE)
def release(hold_id: int) -> Any:
    """Release a hold (it stays on record); the next purge may then delete what it kept."""
    return release_hold(hold_id)


@blp.route("/purge-log")
@blp.response(200, PurgeLogSchema(many=True))
@require_role(Role.ENVIRONMENT)
def purge_log() -> Any:
    """What each purge deleted: what, range, count, held back, when, by whom (newest first)."""
    return list(session().scalars(select(PurgeLog).order_by(PurgeLog.id.desc()).limit(500)))
