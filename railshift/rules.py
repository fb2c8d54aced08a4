"""Pure rules the tests call without HTTP: the review state machine, applicability, shares, reconciliation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from railshift.terms import ROAD_MODES, Action, DeclarationStatus, Direction
from shared.errors import Conflict, Forbidden, ValidationFailed
from shared.timeutil import parse_month

S = DeclarationStatus

# The review workflow: (state, action) -> (next state, roles that may take it). Admin may take any.
TRANSITIONS: dict[tuple[DeclarationStatus, Action], tuple[DeclarationStatus, frozenset[str]]] = {
    (S.DRAFT, Action.SUBMIT): (S.SUBMITTED, frozenset({"enterprise"})),
    (S.SUBMITTED, Action.APPROVE): (S.APPROVED, frozenset({"transport"})),
    (S.SUBMITTED, Action.RETURN): (S.RETURNED, frozenset({"transport"})),
    (S.RETURNED, Action.RESUBMIT): (S.RESUBMITTED, frozenset({"enterprise"})),
    (S.RESUBMITTED, Action.APPROVE): (S.APPROVED, frozenset({"transport"})),
    (S.RESUBMITTED, Action.RETURN): (S.RETURNED, frozenset({"transport"})),
}
EDITABLE = frozenset({S.DRAFT, S.RETURNED})
AWAITING_REVIEW = frozenset({S.SUBMITTED, S.RESUBMITTED})
HUNDRED = Decimal(100)


def allowed_actions(status: str) -> list[str]:
    """The actions a declaration in `status` can take next (empty once approved)."""
    return [action.value for (state, action) in TRANSITIONS if state == status]


def next_status(status: str, action: str, role: str) -> DeclarationStatus:
    """The state `action` leads to from `status`; 409 listing the allowed actions, or 403 for the wrong role."""
    step = TRANSITIONS.get((DeclarationStatus(status), Action(action)))
    if step is None:
        allowed = allowed_actions(status)
        raise Conflict(
            f"a declaration that is {status} cannot be {action}"
            + (f"; allowed: {', '.join(allowed)}" if allowed else "; it is final (file a correction instead)"),
            errors=[{"field": "action", "reason": f"not allowed from {status}"}],
            status_now=status,
            allowed_transitions=allowed,
        )
    new_status, roles = step
    if role != "admin" and role not in roles:
        raise Forbidden(f"role {role!r} may not {action} a declaration; allowed: admin, {', '.join(sorted(roles))}")
    return new_status


def check_editable(status: str) -> None:
    """409 unless the declaration may still be edited (draft, or returned for changes)."""
    if status not in EDITABLE:
        raise Conflict(
            f"a declaration that is {status} cannot be edited"
            + ("; file a correction (a new version) instead" if status == S.APPROVED else ""),
            errors=[{"field": "status", "reason": f"{status} is not editable"}],
            status_now=status,
            allowed_transitions=allowed_actions(status),
        )


def check_lines_before_review(next_state: str, line_count: int) -> None:
    """422 naming `lines` when a step would send a declaration with no line to the bureau (submit, resubmit).

    Saving an empty draft stays allowed (an enterprise saves its progress); issue 9 refuses only handing one in.
    """
    if next_state in AWAITING_REVIEW and line_count == 0:
        raise ValidationFailed(
            "a declaration with no lines cannot be submitted: add its freight lines and save the draft first",
            errors=[{"field": "lines", "reason": "a declaration needs at least one line before it is submitted"}],
        )


# ---- months -------------------------------------------------------------------------------------------


def is_future_month(month: str, today: date) -> bool:
    """Whether 'YYYY-MM' lies after the month containing `today` (the city's calendar)."""
    year, mon = parse_month(month)
    return (year, mon) > (today.year, today.month)


def city_code_of(district_code: str) -> str:
    """The prefecture-level city code (GB/T 2260) a district belongs to."""
    return district_code[:4] + "00"


# ---- applicability -----------------------------------------------------------------------------------


class EnterpriseLike(Protocol):
    industry: str
    siding_status: str
    ultra_low_status: str
    urban_fringe: bool
    annual_bulk_tonnes: Decimal
    city_code: str


def target_applies(target: Any, enterprise: EnterpriseLike, jurisdiction: str | None) -> bool:
    """Whether a target's applicability matches the enterprise (its city, industry, siding, fringe, ULE)."""
    if jurisdiction != target.jurisdiction:
        return False
    checks = (
        (target.industries, enterprise.industry),
        (target.siding_statuses, enterprise.siding_status),
        (target.ultra_low_statuses, enterprise.ultra_low_status),
    )
    if any(allowed is not None and value not in allowed for allowed, value in checks):
        return False
    return target.urban_fringe is None or target.urban_fringe == enterprise.urban_fringe


def period_overlaps(start: date, end: date | None, first: date, last: date) -> bool:
    """Whether [start, end] (end None = open) shares a day with [first, last]."""
    return start <= last and (end is None or end >= first)


# ---- shares --------------------------------------------------------------------------------------------

Totals = Mapping[tuple[str, str, str], Decimal]  # (direction, goods, mode) -> tonnes


@dataclass(frozen=True)
class RatioSpec:
    """What one share counts (from a ratio definition, with a target's goods/directions if it narrows them)."""

    numerator_modes: frozenset[str]
    denominator_modes: frozenset[str] | None
    goods: frozenset[str] | None
    directions: frozenset[str] | None = None


def ratio_parts(totals: Totals, spec: RatioSpec) -> tuple[Decimal, Decimal]:
    """(numerator, denominator) tonnes of a share over the declared totals."""
    numerator = denominator = Decimal(0)
    for (direction, goods, mode), tonnes in totals.items():
        if spec.directions is not None and direction not in spec.directions:
            continue
        if spec.goods is not None and goods not in spec.goods:
            continue
        if spec.denominator_modes is not None and mode not in spec.denominator_modes:
            continue
        denominator += tonnes
        if mode in spec.numerator_modes:
            numerator += tonnes
    return numerator, denominator


def percent(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """The share in percent, to two decimals (None when nothing was moved)."""
    if not denominator:
        return None
    return (numerator * HUNDRED / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def judge(numerator: Decimal, denominator: Decimal, threshold: Decimal, comparison: str) -> dict[str, Any]:
    """Share against one target: compliant or not, and the margin in percentage points (exact, unrounded test)."""
    if not denominator:
        return {"share": None, "compliant": None, "margin_pp": None, "status": "no_freight"}
    exact = numerator * HUNDRED / denominator
    if comparison == ">=":
        compliant = numerator * HUNDRED >= threshold * denominator
    elif comparison == "<=":
        compliant = numerator * HUNDRED <= threshold * denominator
    else:
        compliant = exact == threshold
    margin = (exact - threshold).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {
        "share": percent(numerator, denominator),
        "compliant": compliant,
        "margin_pp": margin,
        "status": "compliant" if compliant else "non_compliant",
    }


def siding_obligation_breached(enterprise: EnterpriseLike, minimum_tonnes: Decimal) -> bool:
    """Whether an enterprise moves at least the volume that obliges a siding, without one in service."""
    return enterprise.annual_bulk_tonnes >= minimum_tonnes and enterprise.siding_status != "in_service"


# ---- reconciliation ------------------------------------------------------------------------------------


def declared_road_tonnes(totals: Totals) -> dict[str, Decimal]:
    """Declared road tonnes by gate direction ('in' for inbound, 'out' for outbound)."""
    out = {"in": Decimal(0), "out": Decimal(0)}
    for (direction, _goods, mode), tonnes in totals.items():
        if mode in ROAD_MODES:
            out["in" if direction == Direction.INBOUND else "out"] += tonnes
    return out


def reconcile(
    declared: Mapping[str, Decimal],
    trips: Mapping[str, Mapping[str, int]],
    payloads: Mapping[str, Decimal],
    gap_threshold_percent: Decimal,
) -> dict[str, Any]:
    """Compare declared road tonnes with trips x payload per direction; 'gap' when either differs too much.

    The gap is |declared - estimated| over the larger of the two, so it runs 0-100% whichever side is short.
    Trips of classes without a payload (unknown, buses) are counted but not estimated.
    """
    directions = {}
    worst = Decimal(0)
    for direction in ("in", "out"):
        by_class = trips.get(direction, {})
        estimated = sum((Decimal(count) * payloads[cls] for cls, count in by_class.items() if cls in payloads),
                        Decimal(0))
        unpriced = sum(count for cls, count in by_class.items() if cls not in payloads)
        said = declared.get(direction, Decimal(0))
        larger = max(said, estimated)
        gap = Decimal(0) if not larger else (abs(said - estimated) * HUNDRED / larger)
        worst = max(worst, gap)
        directions[direction] = {
            "declared_road_tonnes": said,
            "estimated_tonnes": estimated,
            "trips": dict(by_class),
            "trips_without_payload": unpriced,
            "gap_percent": gap.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        }
    status = "gap" if worst > gap_threshold_percent else "ok"
    return {"status": status, "threshold_percent": gap_threshold_percent, "directions": directions}


def sum_lines(lines: Iterable[Any]) -> dict[tuple[str, str, str], Decimal]:
    """Totals of declaration lines by (direction, goods, mode)."""
    totals: dict[tuple[str, str, str], Decimal] = {}
    for line in lines:
        key = (line.direction, line.goods, line.mode)
        totals[key] = totals.get(key, Decimal(0)) + Decimal(line.tonnes)
    return totals
