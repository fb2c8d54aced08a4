"""Targets are data: a new plan's rule and who it applies to are added through the API and judged at once."""

from __future__ import annotations

from tests.factories import policy_rule
from tests.railshift.factories import approved, line, rail_split, register


def test_a_later_rule_for_the_same_target_is_picked_up_by_the_month_it_covers(as_role, seeded):
    code = register(as_role)
    rule = policy_rule(code="rail_share.bulk_freight_with_siding", jurisdiction="linfen", value="85",
                       subject="enterprises with a siding (2026 plan)", effective_from="2026-01-01")
    assert as_role("transport").post("/api/v1/policy-rules", json=rule).status_code == 201
    approved(as_role, code, "2026-03", rail_split(840, 160))
    verdict = {t["key"]: t for t in as_role("transport").get(
        f"/api/v1/enterprises/{code}/ratios", query_string={"month": "2026-03"}).get_json()["month"]["targets"]}
    found = verdict["linfen.rail_share.bulk_freight_with_siding"]
    assert (found["target"], found["compliant"], found["margin_pp"]) == ("85", False, "-1.00")


def test_a_new_target_is_added_through_the_api_and_applies_to_its_industry(as_role, seeded):
    glass = register(as_role, industry="glass", siding_status="none", annual_bulk_tonnes="10000")
    rule = policy_rule(code="clean_transport_share.glass", jurisdiction="linfen", value="50",
                       subject="glass enterprises", effective_from="2026-01-01")
    as_role("transport").post("/api/v1/policy-rules", json=rule)
    body = {"rule_code": "clean_transport_share.glass", "jurisdiction": "linfen", "kind": "share",
            "ratio_code": "clean", "industries": ["glass"], "note": "a 2026 plan item for glass (example)"}
    created = as_role("transport").put("/api/v1/targets/linfen.clean_transport_share.glass", json=body)
    again = as_role("transport").put("/api/v1/targets/linfen.clean_transport_share.glass", json=body)
    assert (created.status_code, again.status_code) == (201, 200)
    approved(as_role, glass, "2026-02", [line("outbound", "other", "new_energy_truck", 60),
                                        line("outbound", "other", "other_road", 40)])
    view = as_role("transport").get(f"/api/v1/enterprises/{glass}/ratios", query_string={"month": "2026-02"})
    targets = view.get_json()["month"]["targets"]
    assert [(t["key"], t["share"], t["compliant"]) for t in targets] == [
        ("linfen.clean_transport_share.glass", "60.00", True)]


def test_bad_targets_are_refused_naming_the_field(as_role, seeded):
    base = {"rule_code": "rail_share.bulk_freight_with_siding", "jurisdiction": "linfen", "kind": "share",
            "ratio_code": "rail", "note": "x"}
    cases = [({"rule_code": "no.such.rule"}, "rule_code"), ({"ratio_code": "teleport"}, "ratio_code"),
             ({"jurisdiction": "atlantis"}, "jurisdiction"), ({"industries": ["bakery"]}, "industries.0"),
             ({"ratio_code": None}, "ratio_code")]
    for change, field in cases:
        response = as_role("transport").put("/api/v1/targets/linfen.example", json={**base, **change})
        assert response.status_code == 422, (change, response.get_json())
        assert field in [e["field"] for e in response.get_json()["errors"]], response.get_json()
    assert as_role("environment").put("/api/v1/targets/linfen.example", json=base).status_code == 403
    assert as_role("transport").put("/api/v1/targets/Bad Key", json=base).status_code == 422
