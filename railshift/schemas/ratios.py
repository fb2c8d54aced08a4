"""Response schemas of the ratio views: shares, each target's verdict and the rule it cites (carried forward or
not). Shares, tonnes and margins are decimal strings ("85.30"), as railshift computes them."""

from __future__ import annotations

from marshmallow import Schema, fields

DECIMAL = {"type": "string", "format": "decimal"}


def _decimal(description: str | None = None, nullable: bool = False) -> fields.String:
    metadata = {**DECIMAL, "description": description} if description else DECIMAL
    return fields.String(allow_none=nullable, metadata=metadata)


class CitedRuleSchema(Schema):
    """The target (targets.yaml key) and the policy rule it is judged by."""

    key = fields.String(metadata={"description": "the target's key, e.g. linfen.clean_transport_share.coal"})
    rule_code = fields.String()
    rule_id = fields.Integer()
    jurisdiction = fields.String()
    source_document = fields.String(metadata={"description": "the plan, e.g. 临政办发〔2024〕40号"})
    source_item = fields.String()
    carried_forward = fields.Boolean(metadata={
        "description": "true when the rule's own period (effective_to) ended before the month and no later rule "
                       "with its code has started: the target still applies, carried forward (沿用), as "
                       "targets.yaml `carry_forward` says; false when the rule is in force in the month"})
    rule_effective_to = fields.String(allow_none=True, metadata={
        "format": "date", "description": "the rule's own last day (null: open-ended); before the month when "
                                         "carried_forward"})


class TargetVerdictSchema(CitedRuleSchema):
    ratio = fields.String(metadata={"description": "the ratio definition the target measures (rail, clean ...)"})
    comparison = fields.String(metadata={"example": ">="})
    target = _decimal("the target in percent, e.g. 80")
    share = _decimal("the share in percent; null with no freight or no declaration", nullable=True)
    compliant = fields.Boolean(allow_none=True)
    margin_pp = _decimal("share minus target in percentage points", nullable=True)
    status = fields.String(metadata={"description": "compliant, non_compliant, no_freight or not_declared"})
    numerator_tonnes = _decimal()
    denominator_tonnes = _decimal()


class SidingFlagSchema(CitedRuleSchema):
    reason = fields.String()


class ShareSchema(Schema):
    share = _decimal(nullable=True)
    numerator_tonnes = _decimal()
    denominator_tonnes = _decimal()


class PeriodRatiosSchema(Schema):
    declared = fields.Boolean()
    shares = fields.Dict(keys=fields.String(), values=fields.Nested(ShareSchema),
                         metadata={"description": "every ratio definition's share, by its code"})
    targets = fields.List(fields.Nested(TargetVerdictSchema))
    flags = fields.List(fields.Nested(SidingFlagSchema))
    compliant = fields.Boolean(allow_none=True)


class BasisVersionSchema(Schema):
    """The declaration version the figures were asked for (declaration_id) or found (include_drafts)."""

    id = fields.Integer()
    version = fields.Integer()
    status = fields.String(metadata={"description": "draft, submitted, returned, resubmitted or approved"})
    official = fields.Boolean(metadata={"description": "true: the approved version the official figures count, "
                                                       "so the figures are the official ones (basis approved)"})


class EnterpriseRatiosSchema(Schema):
    uscc = fields.String()
    name = fields.String()
    basis = fields.String(metadata={"description": "approved, or the version whose lines replace the approved "
                                                   "ones: \"version 2 (submitted)\""})
    declaration = fields.Nested(BasisVersionSchema, allow_none=True, metadata={
        "description": "the version asked for (declaration_id) or the newest one (include_drafts); null when "
                       "neither was asked"})
    as_of = fields.String(metadata={"format": "date-time"})
    month = fields.Nested(PeriodRatiosSchema, metadata={"description": "the month asked for"})
    ytd = fields.Nested(PeriodRatiosSchema)


class CityViewSchema(Schema):
    month = fields.String()
    period = fields.String()
    months = fields.List(fields.String())
    ratio = fields.String()
    city_code = fields.String(allow_none=True)
    district_code = fields.String(allow_none=True)
    as_of = fields.String(metadata={"format": "date-time"})
    enterprises = fields.Integer()
    declared = fields.Integer()
    share = _decimal(nullable=True)
    numerator_tonnes = _decimal()
    denominator_tonnes = _decimal()


class EnterpriseRowSchema(Schema):
    uscc = fields.String()
    name = fields.String()
    district_code = fields.String()
    industry = fields.String()
    declared = fields.Boolean()
    share = _decimal(nullable=True)
    numerator_tonnes = _decimal()
    denominator_tonnes = _decimal()
    flags = fields.List(fields.Nested(SidingFlagSchema))
    compliant = fields.Boolean(allow_none=True)


class RankedRowSchema(EnterpriseRowSchema):
    rank = fields.Integer(allow_none=True)
    targets_missed = fields.Integer()


class RankingSchema(CityViewSchema):
    items = fields.List(fields.Nested(RankedRowSchema))


class NonCompliantRowSchema(EnterpriseRowSchema):
    targets = fields.List(fields.Nested(TargetVerdictSchema), metadata={"description": "the targets missed"})
    worst_margin_pp = _decimal(nullable=True)


class NonCompliantSchema(CityViewSchema):
    items = fields.List(fields.Nested(NonCompliantRowSchema))


class CityIndicatorSchema(CitedRuleSchema):
    kind = fields.String()
    subject = fields.String()
    comparison = fields.String()
    target = _decimal()
    connected = fields.Integer(metadata={"description": "city_siding_connection: listed enterprises connected"})
    listed = fields.Integer()
    numerator_tonnes = _decimal()
    denominator_tonnes = _decimal()
    enterprises = fields.Integer(metadata={"description": "city_share: enterprises with official figures"})
    share = _decimal(nullable=True)
    compliant = fields.Boolean(allow_none=True)
    margin_pp = _decimal(nullable=True)
    status = fields.String()


class CityIndicatorsSchema(Schema):
    city_code = fields.String()
    jurisdiction = fields.String(allow_none=True)
    month = fields.String()
    period = fields.String()
    months = fields.List(fields.String())
    as_of = fields.String(metadata={"format": "date-time"})
    indicators = fields.List(fields.Nested(CityIndicatorSchema))
