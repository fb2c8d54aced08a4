"""railshift queries and bulk writes; they take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from railshift.models import Declaration, DeclarationLine, Enterprise, Parameter, PolicyRule, RatioDefinition, Target
from railshift.rules import RatioSpec
from shared.errors import NotFound
from shared.pagination import Page, keyset_page

# ---- enterprises ----------------------------------------------------------------------------------------


def enterprise_by_uscc(db_session: Session, uscc: str) -> Enterprise | None:
    return db_session.scalars(select(Enterprise).where(Enterprise.uscc == uscc)).one_or_none()


def enterprise_or_404(db_session: Session, uscc: str) -> Enterprise:
    """The enterprise with this credit code, or 404."""
    enterprise = enterprise_by_uscc(db_session, uscc)
    if enterprise is None:
        raise NotFound(f"no enterprise with credit code {uscc}; register it with PUT /api/v1/enterprises/{uscc}")
    return enterprise


def enterprise_filter(query: Select[Any], args: dict[str, Any]) -> Select[Any]:
    """Narrow a query over Enterprise by the usual filters (industry, city, district, siding, fringe)."""
    for name in ("industry", "district_code", "city_code", "siding_status", "urban_fringe"):
        if args.get(name) is not None:
            query = query.where(getattr(Enterprise, name) == args[name])
    return query


def list_enterprises(db_session: Session, args: dict[str, Any], only_uscc: str | None) -> Page[Enterprise]:
    """Enterprises in credit-code order, filtered; an enterprise caller sees only itself."""
    query = enterprise_filter(select(Enterprise), args)
    if only_uscc is not None:
        query = query.where(Enterprise.uscc == only_uscc)
    return keyset_page(db_session, query, [Enterprise.uscc], args["limit"], args.get("cursor"))


def enterprises_for_view(db_session: Session, city_code: str | None, district_code: str | None) -> list[Enterprise]:
    query = enterprise_filter(select(Enterprise), {"city_code": city_code, "district_code": district_code})
    return list(db_session.scalars(query.order_by(Enterprise.uscc)))


# ---- declarations ---------------------------------------------------------------------------------------


def declaration_or_404(db_session: Session, declaration_id: int, *, for_update: bool = False) -> Declaration:
    """One declaration version with its lines and transitions, or 404."""
    query = (
        select(Declaration)
        .where(Declaration.id == declaration_id)
        .options(selectinload(Declaration.lines), selectinload(Declaration.transitions))
    )
    if for_update:
        query = query.with_for_update(of=Declaration)
    declaration = db_session.scalars(query).one_or_none()
    if declaration is None:
        raise NotFound(f"no declaration with id {declaration_id}")
    return declaration


def versions(db_session: Session, enterprise_id: int, month: str, *, for_update: bool = False) -> list[Declaration]:
    """Every version of an enterprise-month, oldest first."""
    query = (
        select(Declaration)
        .where(Declaration.enterprise_id == enterprise_id, Declaration.month == month)
        .options(selectinload(Declaration.lines), selectinload(Declaration.transitions))
        .order_by(Declaration.version)
    )
    if for_update:
        query = query.with_for_update(of=Declaration)
    return list(db_session.scalars(query))


def list_declarations(
    db_session: Session, args: dict[str, Any], only_uscc: str | None, hide_drafts: bool
) -> Page[Declaration]:
    """Declaration versions in id order, filtered; drafts left out for callers who may not see them."""
    query = select(Declaration)
    if hide_drafts:
        query = query.where(Declaration.status != "draft")
    for name in ("uscc", "month", "status", "official"):
        if args.get(name) is not None:
            query = query.where(getattr(Declaration, name) == args[name])
    if only_uscc is not None:
        query = query.where(Declaration.uscc == only_uscc)
    return keyset_page(db_session, query, [Declaration.id], args["limit"], args.get("cursor"))


def pending_reviews(db_session: Session, args: dict[str, Any]) -> Page[Declaration]:
    """Declarations awaiting review, the longest-waiting first."""
    query = select(Declaration).where(Declaration.status.in_(("submitted", "resubmitted")))
    if args.get("district_code"):
        query = query.join(Enterprise).where(Enterprise.district_code == args["district_code"])
    return keyset_page(
        db_session, query, [Declaration.submitted_at, Declaration.id], args["limit"], args.get("cursor")
    )


def replace_lines(db_session: Session, declaration: Declaration, lines: Iterable[dict[str, Any]]) -> None:
    """Swap a draft's lines for the ones given (one row per direction, goods and mode)."""
    if declaration.lines:
        declaration.lines.clear()
        db_session.flush()  # delete the old rows before inserting new ones with the same unique key
    for line in lines:
        declaration.lines.append(DeclarationLine(**line))


def official_totals(
    db_session: Session, months: Sequence[str], enterprise_ids: Sequence[int] | None = None
) -> list[tuple[int, str, str, str, Decimal]]:
    """Summed tonnes of the official (newest approved) versions by enterprise, direction, goods and mode."""
    query = (
        select(
            Declaration.enterprise_id,
            DeclarationLine.direction,
            DeclarationLine.goods,
            DeclarationLine.mode,
            func.sum(DeclarationLine.tonnes),
        )
        .join(DeclarationLine, DeclarationLine.declaration_id == Declaration.id)
        .where(Declaration.official.is_(True), Declaration.month.in_(list(months)))
        .group_by(Declaration.enterprise_id, DeclarationLine.direction, DeclarationLine.goods, DeclarationLine.mode)
    )
    if enterprise_ids is not None:
        query = query.where(Declaration.enterprise_id.in_(list(enterprise_ids)))
    return [tuple(row) for row in db_session.execute(query)]  # type: ignore[misc]


def _share_sums(index: int, spec: RatioSpec) -> list[Any]:
    """SUM(tonnes) of a share's numerator and denominator lines, as two labelled columns."""
    conditions = []
    if spec.goods is not None:
        conditions.append(DeclarationLine.goods.in_(sorted(spec.goods)))
    if spec.directions is not None:
        conditions.append(DeclarationLine.direction.in_(sorted(spec.directions)))
    numerator_modes = set(spec.numerator_modes)
    if spec.denominator_modes is not None:
        conditions.append(DeclarationLine.mode.in_(sorted(spec.denominator_modes)))
        numerator_modes &= spec.denominator_modes
    denominator = and_(DeclarationLine.tonnes.is_not(None), *conditions)
    numerator = and_(denominator, DeclarationLine.mode.in_(sorted(numerator_modes)))
    return [
        func.coalesce(func.sum(case((numerator, DeclarationLine.tonnes), else_=0)), 0).label(f"n{index}"),
        func.coalesce(func.sum(case((denominator, DeclarationLine.tonnes), else_=0)), 0).label(f"d{index}"),
    ]


def official_share_parts(
    db_session: Session,
    months: Sequence[str],
    specs: Sequence[RatioSpec],
    city_code: str | None,
    district_code: str | None,
) -> dict[int, dict[RatioSpec, tuple[Decimal, Decimal]]]:
    """Per enterprise with an official declaration in `months`: (numerator, denominator) tonnes of each share."""
    columns = [column for index, spec in enumerate(specs) for column in _share_sums(index, spec)]
    query = (
        select(Declaration.enterprise_id, *columns)
        .outerjoin(DeclarationLine, DeclarationLine.declaration_id == Declaration.id)
        .where(Declaration.official.is_(True), Declaration.month.in_(list(months)))
        .group_by(Declaration.enterprise_id)
    )
    if city_code is not None or district_code is not None:
        query = enterprise_filter(query.join(Enterprise, Enterprise.id == Declaration.enterprise_id),
                                  {"city_code": city_code, "district_code": district_code})
    out = {}
    for row in db_session.execute(query):
        out[row[0]] = {
            spec: (Decimal(row[1 + 2 * index]), Decimal(row[2 + 2 * index])) for index, spec in enumerate(specs)
        }
    return out


def official_totals_by_month(
    db_session: Session, months: Sequence[str], city_code: str | None, district_code: str | None
) -> list[tuple[str, int, str, str, str, Decimal]]:
    """Like official_totals, per month too, for the enterprises of a city or district."""
    query = (
        select(
            Declaration.month,
            Declaration.enterprise_id,
            DeclarationLine.direction,
            DeclarationLine.goods,
            DeclarationLine.mode,
            func.sum(DeclarationLine.tonnes),
        )
        .join(DeclarationLine, DeclarationLine.declaration_id == Declaration.id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .where(Declaration.official.is_(True), Declaration.month.in_(list(months)))
        .group_by(
            Declaration.month,
            Declaration.enterprise_id,
            DeclarationLine.direction,
            DeclarationLine.goods,
            DeclarationLine.mode,
        )
    )
    query = enterprise_filter(query, {"city_code": city_code, "district_code": district_code})
    return [tuple(row) for row in db_session.execute(query)]  # type: ignore[misc]


# ---- targets, rules and parameters -------------------------------------------------------------------------


def all_targets(db_session: Session) -> list[Target]:
    return list(db_session.scalars(select(Target).order_by(Target.key)))


def ratio_definitions(db_session: Session) -> dict[str, RatioDefinition]:
    return {d.code: d for d in db_session.scalars(select(RatioDefinition).order_by(RatioDefinition.code))}


def rules_started_by(db_session: Session, codes: Iterable[str], last: date) -> list[PolicyRule]:
    """Rules with these codes that started on or before `last` (in force then, or lapsed), oldest first."""
    query = select(PolicyRule).where(PolicyRule.code.in_(list(codes)), PolicyRule.effective_from <= last)
    return list(db_session.scalars(query.order_by(PolicyRule.effective_from, PolicyRule.id)))


def parameters_in_force(db_session: Session, prefix: str, day: date) -> dict[str, Parameter]:
    """Parameters whose code starts with `prefix`, in force on `day` (the newest if two overlap)."""
    query = select(Parameter).where(
        Parameter.code.startswith(prefix),
        Parameter.effective_from <= day,
        or_(Parameter.effective_to.is_(None), Parameter.effective_to >= day),
    )
    found: dict[str, Parameter] = {}
    for parameter in db_session.scalars(query.order_by(Parameter.effective_from)):
        found[parameter.code] = parameter
    return found
