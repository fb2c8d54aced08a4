"""/api/v1/summaries/lists: the month's blacklist and key-supervision figures for the monthly report (contract V2)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from shared.api import Blueprint
from shared.auth import Role, require_role
from shared.query import MonthAreaQuerySchema
from vehicles.commands.list_summaries import SummariseLists

blp = Blueprint("list_summaries", __name__, url_prefix="/api/v1/summaries",
                description="Monthly summaries for the report: lists (黑名单 / 重点监管)")


class ReasonCountSchema(Schema):
    """Entries of one list, reason and subject kind."""

    list_kind = fields.String()
    reason_code = fields.String()
    reason_zh = fields.String()
    subject_kind = fields.String(metadata={"enum": ["vehicle", "machinery", "enterprise"]})
    count = fields.Integer()


class ActiveCountSchema(Schema):
    """Entries of one list and subject kind in force at the month's end."""

    list_kind = fields.String()
    subject_kind = fields.String()
    count = fields.Integer()


class EnterpriseListedSchema(Schema):
    """An enterprise entry in force at the month's end or added in the month."""

    uscc = fields.String()
    list_kind = fields.String()
    reason_code = fields.String()
    reason_zh = fields.String()
    effective_from = fields.Date()
    until = fields.Date(allow_none=True)
    added_in_month = fields.Boolean()


class ListSummarySchema(Schema):
    """The month's lists (contract V2)."""

    month = fields.String()
    area = fields.String(allow_none=True)
    as_of = fields.DateTime()
    added = fields.List(fields.Nested(ReasonCountSchema))
    lifted = fields.List(fields.Nested(ReasonCountSchema))
    active_at_month_end = fields.List(fields.Nested(ActiveCountSchema))
    enterprises_listed = fields.List(fields.Nested(EnterpriseListedSchema))


@blp.route("/lists")
@blp.arguments(MonthAreaQuerySchema(), location="query")
@blp.response(200, ListSummarySchema)
@require_role(Role.ENVIRONMENT, Role.SERVICE)
def list_summary(args: dict[str, Any]) -> Any:
    """Entries added and lifted in the month (by list, reason, subject kind), in force at its end, and the
    enterprises listed; the month is cut in Asia/Shanghai."""
    return SummariseLists(args["month"], args["area"]).run()
