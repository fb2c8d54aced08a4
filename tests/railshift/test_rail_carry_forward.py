"""A lapsed target carries forward (targets.yaml carry_forward) until a later rule starts, and every answer that
shows a target says whether it is carried forward and when its rule ended."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from shared.policy import pick_rule
from tests.factories import policy_rule
from tests.railshift.factories import approved, line, register

COAL = "linfen.clean_transport_share.coal"  # 临政办发〔2024〕40号: 80% in 2025 (2025-01-01..2025-12-31)


def _rule(start: date, end: date | None, value: int) -> SimpleNamespace:
    return SimpleNamespace(effective_from=start, effective_to=end, value=value)


def test_the_shared_picker_carries_the_latest_lapsed_rule_until_a_later_one_starts():
    old = _rule(date(2025, 1, 1), date(2025, 12, 31), 80)
    new = _rule(date(2026, 3, 1), None, 85)
    assert pick_rule([old], date(2024, 12, 31), carry_forward=True) is None  # nothing had started
    assert pick_rule([old], date(2025, 12, 31), carry_forward=True) == (old, False)
    assert pick_rule([old], date(2026, 1, 1), carry_forward=True) == (old, True)
    assert pick_rule([old], date(2026, 1, 1), carry_forward=False) is None
    assert pick_rule([new, old], date(2026, 2, 28), carry_forward=True) == (old, True)
    assert pick_rule([new, old], date(2026, 3, 1), carry_forward=True) == (new, False)
    # Over a period (a month): a rule in force on any day of it applies, not carried.
    ends_mid_month = _rule(date(2025, 1, 1), date(2025, 3, 15), 60)
    assert pick_rule([ends_mid_month], date(2025, 3, 31), False, since=date(2025, 3, 1)) == (ends_mid_month, False)
    assert pick_rule([ends_mid_month], date(2025, 4, 30), True, since=date(2025, 4, 1)) == (ends_mid_month, True)


def _coal_mine(as_role, *months: str) -> str:
    code = register(as_role, industry="coal_mining", siding_status="none", annual_bulk_tonnes="100000")
    for month in months:
        approved(as_role, code, month, [line("outbound", "coal", "new_energy_truck", 700),
                                        line("outbound", "coal", "other_road", 300)])
    return code


def _targets(as_role, code: str, month: str) -> dict[str, dict]:
    response = as_role("transport").get(f"/api/v1/enterprises/{code}/ratios", query_string={"month": month})
    assert response.status_code == 200, response.get_json()
    return {t["key"]: t for t in response.get_json()["month"]["targets"]}


def test_a_month_inside_the_rules_period_is_judged_by_it_not_carried(as_role, seeded):
    code = _coal_mine(as_role, "2025-12")
    coal = _targets(as_role, code, "2025-12")[COAL]
    assert (coal["target"], coal["share"], coal["compliant"]) == ("80", "70.00", False)
    assert (coal["carried_forward"], coal["rule_effective_to"]) == (False, "2025-12-31")


def test_after_the_rule_ends_its_target_carries_forward_and_says_so(as_role, seeded):
    code = _coal_mine(as_role, "2026-02")
    coal = _targets(as_role, code, "2026-02")[COAL]
    assert (coal["target"], coal["share"], coal["compliant"], coal["margin_pp"]) == ("80", "70.00", False, "-10.00")
    assert (coal["carried_forward"], coal["rule_effective_to"]) == (True, "2025-12-31")
    assert coal["source_document"] == "临政办发〔2024〕40号"
    listed = as_role("environment").get("/api/v1/ratios/non-compliant", query_string={
        "month": "2026-02", "city_code": "141000", "ratio": "clean"}).get_json()["items"]
    missed = next(row for row in listed if row["uscc"] == code)["targets"]
    assert [(t["key"], t["carried_forward"], t["rule_effective_to"]) for t in missed] == [
        (COAL, True, "2025-12-31")]


def test_with_carry_forward_off_a_lapsed_target_judges_nobody(as_role, seeded, monkeypatch):
    monkeypatch.setattr("railshift.cities.carry_forward", lambda: False)
    code = _coal_mine(as_role, "2026-02")
    response = as_role("transport").get(f"/api/v1/enterprises/{code}/ratios", query_string={"month": "2026-02"})
    month = response.get_json()["month"]
    assert (month["targets"], month["compliant"]) == ([], None)
    assert month["shares"]["clean"]["share"] == "70.00"  # the share is still computed, only not judged


def test_a_later_rule_replaces_the_carried_one_from_the_month_it_starts(as_role, seeded):
    rule = policy_rule(code="clean_transport_share.coal", jurisdiction="linfen", value="85",
                       subject="coal enterprises (mining, washing, etc.)", effective_from="2026-03-01",
                       description="A 2026 plan's coal clean-transport share (example).")
    assert as_role("transport").post("/api/v1/policy-rules", json=rule).status_code == 201
    code = _coal_mine(as_role, "2026-02", "2026-03")
    before, after = _targets(as_role, code, "2026-02")[COAL], _targets(as_role, code, "2026-03")[COAL]
    assert (before["target"], before["carried_forward"], before["rule_effective_to"]) == ("80", True, "2025-12-31")
    assert (after["target"], after["carried_forward"], after["rule_effective_to"]) == ("85", False, None)
    assert after["rule_id"] != before["rule_id"]


def test_city_indicators_of_a_lapsed_plan_carry_forward(as_role, seeded):
    body = as_role("transport").get("/api/v1/ratios/city-indicators", query_string={
        "month": "2025-05", "city_code": "141000", "period": "month"}).get_json()
    found = {i["key"]: i for i in body["indicators"]}
    coal_coke = found["linfen.rail_share.coal_coke"]  # 临政办发〔2020〕13号, calendar 2020
    assert (coal_coke["target"], coal_coke["carried_forward"], coal_coke["rule_effective_to"]) == (
        "80", True, "2020-12-31")


@pytest.mark.parametrize("schema", ["TargetVerdict", "SidingFlag", "CityIndicator"])
def test_the_openapi_documents_the_carry_forward_of_every_target_shown(client, schema):
    spec = client.get("/openapi.json").get_json()
    properties = spec["components"]["schemas"][schema]["properties"]
    assert properties["carried_forward"]["type"] == "boolean"
    assert "沿用" in properties["carried_forward"]["description"]
    assert properties["rule_effective_to"]["format"] == "date"
    paths = spec["paths"]
    ratios = paths["/api/v1/enterprises/{uscc}/ratios"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ratios["schema"]["$ref"].endswith("/EnterpriseRatios")
