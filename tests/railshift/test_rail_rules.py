"""Pure rules: the transitions table, shares at their boundaries, the reconciliation gap."""

from __future__ import annotations

from decimal import Decimal

import pytest

from railshift.rules import (
    RatioSpec,
    allowed_actions,
    check_lines_before_review,
    is_future_month,
    judge,
    next_status,
    ratio_parts,
    reconcile,
)
from shared.errors import Conflict, Forbidden, ValidationFailed

D = Decimal


@pytest.mark.parametrize(
    ("status", "allowed"),
    [("draft", ["submit"]), ("submitted", ["approve", "return"]), ("returned", ["resubmit"]),
     ("resubmitted", ["approve", "return"]), ("approved", [])],
)
def test_each_state_allows_only_its_transitions(status, allowed):
    assert allowed_actions(status) == allowed


def test_a_step_not_in_the_table_is_a_conflict_and_the_wrong_role_is_forbidden():
    with pytest.raises(Conflict) as error:
        next_status("approved", "submit", "enterprise")
    assert error.value.extra["allowed_transitions"] == []
    with pytest.raises(Forbidden):
        next_status("submitted", "approve", "enterprise")
    assert next_status("submitted", "approve", "admin") == "approved"


def test_only_a_declaration_with_lines_goes_to_the_bureau():
    for handed_in in ("submitted", "resubmitted"):
        with pytest.raises(ValidationFailed) as error:
            check_lines_before_review(handed_in, 0)
        assert [e["field"] for e in error.value.errors] == ["lines"]
        check_lines_before_review(handed_in, 1)
    check_lines_before_review("returned", 0)  # the bureau's return is not a hand-in


@pytest.mark.parametrize(
    ("numerator", "denominator", "compliant", "margin"),
    [("800", "1000", True, "0.00"), ("799.999", "1000", False, "0.00"), ("2", "3", False, "-13.33"),
     ("900", "1000", True, "10.00")],
)
def test_a_share_exactly_at_the_target_complies_and_a_hair_below_does_not(numerator, denominator, compliant, margin):
    verdict = judge(D(numerator), D(denominator), D(80), ">=")
    assert verdict["compliant"] is compliant
    assert verdict["margin_pp"] == D(margin)


def test_nothing_moved_is_not_judged():
    assert judge(D(0), D(0), D(80), ">=")["status"] == "no_freight"


def test_ratio_parts_count_only_the_goods_modes_and_directions_asked_for():
    totals = {("inbound", "coal", "rail"): D(80), ("inbound", "coal", "other_road"): D(20),
              ("outbound", "other", "other_road"): D(500), ("outbound", "coke", "closed_belt"): D(10)}
    bulk_rail = RatioSpec(frozenset({"rail"}), None, frozenset({"coal", "coke", "iron_ore", "other_bulk"}))
    assert ratio_parts(totals, bulk_rail) == (D(80), D(110))
    inbound_only = RatioSpec(frozenset({"rail"}), None, None, frozenset({"inbound"}))
    assert ratio_parts(totals, inbound_only) == (D(80), D(100))
    road_only = RatioSpec(frozenset({"china_5_truck"}), frozenset({"china_5_truck", "other_road"}), None)
    assert ratio_parts(totals, road_only) == (D(0), D(520))


def test_future_month_is_cut_by_the_city_calendar():
    from datetime import date

    assert is_future_month("2026-12", date(2026, 11, 30))
    assert not is_future_month("2026-11", date(2026, 11, 1))


def test_reconciliation_flags_a_gap_over_the_threshold_in_either_direction():
    payloads = {"N3": D(30), "N2": D(6)}
    trips = {"in": {"N3": 10, "unknown": 2}, "out": {"N2": 5}}
    close = reconcile({"in": D(300), "out": D(30)}, trips, payloads, D(20))
    assert close["status"] == "ok"
    assert close["directions"]["in"]["estimated_tonnes"] == D(300)
    assert close["directions"]["in"]["trips_without_payload"] == 2
    short = reconcile({"in": D(300), "out": D(0)}, trips, payloads, D(20))
    assert short["status"] == "gap" and short["directions"]["out"]["gap_percent"] == D(100)
    edge = reconcile({"in": D(240), "out": D(30)}, trips, payloads, D(20))  # exactly 20% off: not over
    assert edge["status"] == "ok"
