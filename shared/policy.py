"""Policy targets, deadlines and thresholds as data: dated rule rows citing their source plan."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from typing import Any, NamedTuple

import yaml
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import Date, Numeric, String, Text, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from shared.db import UTCDateTime, utcnow
from shared.errors import Conflict, NotFound
from shared.pagination import Page, PageArgsSchema, keyset_page


class RuleUnit(StrEnum):
    PERCENT = "percent"
    DATE = "date"
    TONNES_PER_YEAR = "tonnes_per_year"
    MEGATONNES = "megatonnes"
    COUNT_PER_DAY = "count_per_day"
    COUNT = "count"
    MONTHS = "months"
    DAYS = "days"
    MINUTES = "minutes"
    EMISSION_STAGE = "emission_stage"
    ALERT_LEVEL = "alert_level"  # 预警级别: blue 1, yellow 2, orange 3, red 4


class Comparison(StrEnum):
    AT_LEAST = ">="
    AT_MOST = "<="
    EQUAL = "="
    BY = "by"  # a deadline: done by value_date
    FROM = "from"  # a ban or state that applies from value_date


IDENTITY = ("code", "jurisdiction", "subject", "effective_from")
CONTENT = (
    "value",
    "value_date",
    "unit",
    "comparison",
    "effective_to",
    "source_document",
    "source_item",
    "source_file",
    "source_excerpt",
    "description",
)


class PolicyRuleMixin:
    """Columns of a service's `policy_rule` table; each service declares `class PolicyRule(PolicyRuleMixin, Base)`."""

    __tablename__ = "policy_rule"

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint(*IDENTITY),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    value_date: Mapped[date | None] = mapped_column(Date)
    unit: Mapped[str] = mapped_column(String(30))
    comparison: Mapped[str] = mapped_column(String(4))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    source_document: Mapped[str] = mapped_column(String(200))
    source_item: Mapped[str] = mapped_column(String(100))
    source_file: Mapped[str | None] = mapped_column(String(200))
    source_excerpt: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


def _fits_numeric(value: Decimal) -> None:
    """The column holds 14 integer digits and 4 decimals."""
    if abs(value) >= Decimal("1e14") or -value.as_tuple().exponent > 4:
        raise ValidationError("must have at most 14 digits before the point and 4 after it")


class PlainDecimal(fields.Decimal):
    """A decimal sent as a string without trailing zeros ("80", not "80.0000")."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return format(Decimal(value).normalize(), "f")


class PolicyRuleSchema(Schema):
    """A rule as clients send and receive it."""

    id = fields.Integer(dump_only=True)
    code = fields.String(
        required=True,
        validate=[validate.Length(max=100), validate.Regexp(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")],
        metadata={"description": "stable machine key, e.g. rail_share.bulk_freight_with_siding"},
    )
    jurisdiction = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "the city whose plan sets the rule, e.g. linfen"},
    )
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    value = PlainDecimal(
        allow_none=True,
        load_default=None,
        validate=_fits_numeric,
        metadata={"type": "string", "format": "decimal", "description": "the target or threshold, e.g. 80"},
    )
    value_date = fields.Date(
        allow_none=True,
        load_default=None,
        metadata={"description": "the deadline (unit date; null if the plan sets none) or the date a target is due"},
    )
    unit = fields.String(required=True, validate=validate.OneOf([u.value for u in RuleUnit]))
    comparison = fields.String(required=True, validate=validate.OneOf([c.value for c in Comparison]))
    effective_from = fields.Date(required=True)
    effective_to = fields.Date(allow_none=True, load_default=None)
    source_document = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "document number, e.g. 临政办发〔2024〕40号"},
    )
    source_item = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "item in that document, e.g. item 3"},
    )
    source_file = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    source_excerpt = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=2000))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    created_at = fields.DateTime(dump_only=True)
    created_by = fields.String(dump_only=True)

    @validates_schema
    def _value_matches_unit(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["unit"] == RuleUnit.DATE:
            # value_date may be null: some plans set an obligation "as the state requires", with no date.
            if data.get("value") is not None:
                raise ValidationError("a rule in unit 'date' carries value_date, not value", "value")
        elif data.get("value") is None:
            raise ValidationError(f"a rule in unit {data['unit']!r} needs a value", "value")
        if data.get("effective_to") and data["effective_to"] < data["effective_from"]:
            raise ValidationError("effective_to is before effective_from", "effective_to")


class PolicyRuleQuerySchema(PageArgsSchema):
    code = fields.String(load_default=None, validate=validate.Length(max=100))
    jurisdiction = fields.String(load_default=None, validate=validate.Length(max=40))
    as_of = fields.Date(load_default=None, metadata={"description": "only rules in force on this date"})


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Enum members to their values and numbers to canonical Decimals, for comparing rows."""
    out = {}
    for key, value in data.items():
        if isinstance(value, StrEnum):
            value = value.value
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            value = Decimal(str(value)).normalize()
        out[key] = value
    return out


def list_rules(db_session: Session, model: type[PolicyRuleMixin], args: dict[str, Any]) -> Page[Any]:
    """Rules filtered by code, jurisdiction and the date they are in force on, in id order."""
    query = select(model)
    if args.get("code"):
        query = query.where(model.code == args["code"])
    if args.get("jurisdiction"):
        query = query.where(model.jurisdiction == args["jurisdiction"])
    if args.get("as_of"):
        day = args["as_of"]
        query = query.where(model.effective_from <= day, or_(model.effective_to.is_(None), model.effective_to >= day))
    return keyset_page(db_session, query, [model.id], args.get("limit", 50), args.get("cursor"))


def rules_in_force(
    db_session: Session, model: type[PolicyRuleMixin], code: str, day: date, jurisdiction: str | None = None
) -> list[Any]:
    """Every rule with `code` in force on `day` (the lookup domain code uses)."""
    args = {"code": code, "as_of": day, "jurisdiction": jurisdiction, "limit": 500}
    return list_rules(db_session, model, args).items


class PickedRule(NamedTuple):
    """A rule as it applies on a day or over a period; `carried_forward` when its own period had ended."""

    rule: Any
    carried_forward: bool


def pick_rule(rules: Iterable[Any], day: date, carry_forward: bool, since: date | None = None) -> PickedRule | None:
    """The rule (rows of one code and jurisdiction) that applies on `day`, or over `since`..`day` (e.g. a month).

    The latest in force (on any day of the period); when none is, with `carry_forward`, the latest that started
    on or before `day`, carried forward: a lapsed target stays the yardstick until a later rule starts, and
    from the day (or in the period) that one starts it applies instead. Rows need effective_from/effective_to.
    """
    first = since or day
    started = sorted((r for r in rules if r.effective_from <= day), key=lambda r: r.effective_from)
    in_force = [r for r in started if r.effective_to is None or r.effective_to >= first]
    if in_force:
        return PickedRule(in_force[-1], False)
    if carry_forward and started:
        return PickedRule(started[-1], True)
    return None


def get_rule(db_session: Session, model: type[PolicyRuleMixin], rule_id: int) -> Any:
    rule = db_session.get(model, rule_id)
    if rule is None:
        raise NotFound(f"no policy rule with id {rule_id}")
    return rule


def add_rule(db_session: Session, model: type[PolicyRuleMixin], data: dict[str, Any], actor: str) -> tuple[Any, bool]:
    """Add a rule; the same rule again is a no-op. Returns (rule, created).

    A new rule for the same code, jurisdiction and subject supersedes an open-ended earlier one, which
    is closed the day before; any other overlap is a conflict the clerk must resolve.
    """
    data = _plain(data)
    key = {name: data[name] for name in IDENTITY}
    existing = db_session.scalars(select(model).filter_by(**key)).one_or_none()
    if existing is not None:
        stored = _plain({name: getattr(existing, name) for name in CONTENT})
        differing = [name for name in CONTENT if stored[name] != data.get(name)]
        if differing == ["effective_to"] and data.get("effective_to") is None and _superseded(db_session, existing):
            differing = []  # the same open-ended rule, since closed by a later one: a retry, not a change
        if differing:
            raise Conflict(
                f"a rule {data['code']} for {data['jurisdiction']} from {data['effective_from']} already "
                "exists with different content; add a rule with a later effective_from instead",
                errors=[{"field": name, "reason": "differs from the stored rule"} for name in differing],
                existing_id=existing.id,
            )
        return existing, False
    siblings = db_session.scalars(
        select(model).filter_by(code=data["code"], jurisdiction=data["jurisdiction"], subject=data["subject"])
    ).all()
    new_from, new_to = data["effective_from"], data.get("effective_to") or date.max
    for sibling in siblings:
        sibling_to = sibling.effective_to or date.max
        if sibling.effective_from > new_to or sibling_to < new_from:
            continue
        if sibling.effective_to is None and sibling.effective_from < new_from:
            sibling.effective_to = new_from - timedelta(days=1)
            continue
        raise Conflict(
            f"rule {sibling.id} ({sibling.effective_from} to {sibling.effective_to or 'open'}) already covers "
            "part of this period",
            errors=[{"field": "effective_from", "reason": f"overlaps rule {sibling.id}"}],
            existing_id=sibling.id,
        )
    rule = model(**{k: v for k, v in data.items() if k in IDENTITY + CONTENT}, created_by=actor)
    db_session.add(rule)
    db_session.flush()
    return rule, True


def _superseded(db_session: Session, rule: Any) -> bool:
    """Whether a later rule with the same code, jurisdiction and subject starts the day after this one ends."""
    model = type(rule)
    successor = select(model.id).filter_by(
        code=rule.code,
        jurisdiction=rule.jurisdiction,
        subject=rule.subject,
        effective_from=rule.effective_to + timedelta(days=1),
    )
    return db_session.scalars(successor).first() is not None


def load_rule_file(package: str, filename: str = "policy_rules.yaml") -> list[dict[str, Any]]:
    """Read and validate a service's seed file; ValueError naming the row and field on bad data."""
    text = resources.files(package).joinpath(filename).read_text(encoding="utf-8")
    rows = yaml.safe_load(text) or []
    schema = PolicyRuleSchema()
    loaded = []
    for index, row in enumerate(rows, start=1):
        try:
            loaded.append(schema.load(row))
        except ValidationError as exc:
            raise ValueError(f"{package}/{filename} row {index} ({row.get('code')}): {exc.messages}") from exc
    return loaded


def seed_rules(db_session: Session, model: type[PolicyRuleMixin], rows: list[dict[str, Any]]) -> dict[str, int]:
    """Load seed rows idempotently (in effective order); count what was added and what was there already."""
    counts = {"added": 0, "unchanged": 0}
    for row in sorted(rows, key=lambda r: (r["code"], r["jurisdiction"], r["subject"], r["effective_from"])):
        _, created = add_rule(db_session, model, row, actor="seed")
        counts["added" if created else "unchanged"] += 1
    return counts


def seed_shipped_data(db_session: Session, service: str) -> dict[str, dict[str, int]]:
    """Load what a service ships as data: its policy_rules.yaml and, where it has them, its reference tables.

    A service's reference data (targets' applicability, stage inference, response rules ...) is loaded by
    `seed_reference(session) -> counts` in its `<service>.reference` module, so `lantian policy seed` alone
    prepares a production database; nothing there depends on the demo.
    """
    results: dict[str, dict[str, int]] = {}
    models = importlib.import_module(f"{service}.models")
    if hasattr(models, "PolicyRule"):
        results["policy rules"] = seed_rules(db_session, models.PolicyRule, load_rule_file(service))
    try:
        reference = importlib.import_module(f"{service}.reference")
    except ModuleNotFoundError as missing:
        if missing.name != f"{service}.reference":
            raise
        return results
    results["reference data"] = reference.seed_reference(db_session)
    return results
