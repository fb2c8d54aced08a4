"""Spot-check plans, inspections (the four checks, the emission test, follow-ups, LEZ violations), the coverage
report against the ≥20 % target, and the monthly summary for the report (contract V1)."""

from __future__ import annotations

import pytest

from shared.db import unit_of_work
from tests.vehicles.factories import uscc
from tests.vehicles.machinery_factories import (
    HONGDONG,
    YAODU,
    code,
    inspection,
    machine,
    record,
    register,
    seed_policy,
)
from vehicles.reference import sync_zones

INSPECTIONS = "/api/v1/machinery/inspections"
SUMMARY = "/api/v1/summaries/machinery"


@pytest.fixture
def rules(app, db):
    seed_policy(app)
    with app.app_context(), unit_of_work() as session:
        sync_zones(session)


def test_a_retried_inspection_returns_the_record_and_other_facts_under_its_ref_are_a_409(as_role, rules):
    clerk = as_role("environment")
    register(clerk, machine(1))
    first = clerk.post(INSPECTIONS, json=inspection("SC-2025-001"))
    assert first.status_code == 201
    body = first.get_json()
    assert body["passed"] is True and body["follow_up"] is None and body["code"] == code(1)
    assert body["district_code"] == YAODU and body["lez_violation"] is False
    assert clerk.post(INSPECTIONS, json=inspection("SC-2025-001")).status_code == 200
    other = clerk.post(INSPECTIONS, json=inspection("SC-2025-001", opacity=0.9, passed=...))
    assert other.status_code == 409
    assert {e["field"] for e in other.get_json()["errors"]} == {"opacity", "passed"}


def test_a_failed_test_opens_a_follow_up_with_the_default_deadline_and_its_steps_are_history(as_role, rules):
    clerk = as_role("environment")
    register(clerk, machine(1))
    failed = record(clerk, inspection("SC-2025-002", opacity=1.2))
    assert failed["passed"] is False
    assert (failed["follow_up"], failed["follow_up_deadline"]) == ("open", "2025-12-25")  # 15 days: policy data
    smoke = record(clerk, inspection("SC-2025-003", emission_tested=False, opacity=..., opacity_limit=...,
                                     black_smoke=True, follow_up_deadline="2025-12-12"))
    assert (smoke["follow_up"], smoke["follow_up_deadline"]) == ("open", "2025-12-12")
    step = f"{INSPECTIONS}/SC-2025-002/follow-up"
    assert clerk.post(step, json={"follow_up": "repaired", "effective_date": "2025-12-15",
                                  "reason": "DPF replaced"}).status_code == 200
    done = clerk.post(step, json={"follow_up": "复检合格", "effective_date": "2025-12-20", "reason": "retest 0.4"})
    assert done.get_json()["follow_up"] == "retested_pass"
    closed = clerk.post(step, json={"follow_up": "removed", "effective_date": "2025-12-21", "reason": "x"})
    assert closed.status_code == 409
    history = clerk.get(f"/api/v1/machinery/machines/{code(1)}/history").get_json()
    assert [(h["kind"], h["from_value"], h["to_value"]) for h in history] == [
        ("follow_up", None, "open"), ("follow_up", None, "open"),
        ("follow_up", "open", "repaired"), ("follow_up", "repaired", "retested_pass"),
    ]
    passed_step = record(clerk, inspection("SC-2025-004"))
    assert clerk.post(f"{INSPECTIONS}/{passed_step['inspection_ref']}/follow-up",
                      json={"follow_up": "repaired", "effective_date": "2025-12-15", "reason": "x"}).status_code == 409


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"opacity": 1.2, "passed": True}, "passed"),
        ({"emission_tested": False}, "opacity"),
        ({"opacity": ..., "opacity_limit": ...}, "passed"),
        ({"inspected_on": "2099-01-01"}, "inspected_on"),
        ({"follow_up": "open"}, "follow_up"),
        ({"follow_up": "fixed-ish", "opacity": 1.2}, "follow_up"),
        ({"code": "NOPE"}, "code"),
        ({"code": code(9)}, "code"),
        ({"zone_id": "nowhere"}, "zone"),
        ({"opacity": -1}, "opacity"),
    ],
)
def test_bad_inspections_are_a_422_naming_the_field_and_nothing_is_written(as_role, rules, overrides, field):
    clerk = as_role("environment")
    register(clerk, machine(1))
    response = clerk.post(INSPECTIONS, json=inspection("SC-BAD", **overrides))
    assert response.status_code == 422, response.get_json()
    assert field in {e["field"] for e in response.get_json()["errors"]}
    assert clerk.get(INSPECTIONS).get_json()["items"] == []


def test_an_inspection_finding_a_machine_banned_in_its_zone_that_day_is_an_lez_violation(as_role, rules):
    clerk = as_role("environment")
    register(clerk, machine(1, emission_stage="nonroad_2"))
    register(clerk, machine(2, emission_stage="nonroad_2", district_code=HONGDONG))
    inside = record(clerk, inspection("SC-LEZ-1"))
    outside = record(clerk, inspection("SC-LEZ-2", serial=2))
    assert inside["lez_violation"] is True and inside["zone_id"] == "linfen_nrmm_lez"
    assert [r["code"] for r in inside["lez_reasons"]] == ["lez_below_stage"]
    assert outside["lez_violation"] is False and outside["zone_id"] is None
    before_zone = record(clerk, inspection("SC-LEZ-3", inspected_on="2024-12-05"))
    assert before_zone["lez_violation"] is False
    violations = clerk.get(f"{INSPECTIONS}?lez_violation=true").get_json()["items"]
    assert [v["inspection_ref"] for v in violations] == ["SC-LEZ-1"]


def test_spot_check_plans_are_saved_per_district_and_year(as_role, rules):
    clerk = as_role("environment")
    url = f"/api/v1/machinery/spot-check-plans/{YAODU}/2025"
    assert clerk.put(url, json={"planned_count": 40}).status_code == 201
    assert clerk.put(url, json={"planned_count": 40}).status_code == 200
    assert clerk.put(url, json={"planned_count": 45, "note": "revised"}).get_json()["planned_count"] == 45
    assert clerk.put(url, json={"planned_count": -1}).status_code == 422
    assert clerk.put("/api/v1/machinery/spot-check-plans/14100/2025", json={"planned_count": 1}).status_code == 422
    assert as_role("police").put(url, json={"planned_count": 1}).status_code == 403
    plans = clerk.get("/api/v1/machinery/spot-check-plans?year=2025&area=141000").get_json()
    assert [(p["district_code"], p["planned_count"]) for p in plans] == [(YAODU, 45)]


def _fleet(clerk, registered, tested, district=YAODU, start=1):
    for serial in range(start, start + registered):
        register(clerk, machine(serial, district_code=district, emission_stage="nonroad_4"))
    for serial in range(start, start + tested):
        record(clerk, inspection(f"SC-{serial}", serial=serial, inspected_on="2025-06-01"))


@pytest.mark.parametrize(("registered", "tested", "share", "met"), [(5, 1, "0.2000", True), (6, 1, "0.1667", False)])
def test_coverage_against_the_20_percent_target_exactly_20_percent_meets_it(as_role, rules, registered, tested,
                                                                              share, met):
    clerk = as_role("environment")
    _fleet(clerk, registered, tested)
    report = clerk.get("/api/v1/machinery/coverage?year=2025&area=141000").get_json()
    assert (report["registered"], report["tested"], report["share"], report["target_met"]) == (
        registered, tested, share, met)
    assert report["target"]["value"] == "0.20"
    assert report["target"]["code"] == "nrmm.spot_check_emission_test_share"
    assert report["by_district"][0]["target_met"] is met


def test_coverage_counts_only_machines_in_service_and_tests_of_that_year(as_role, rules):
    clerk = as_role("environment")
    _fleet(clerk, 3, 1)
    record(clerk, inspection("SC-2024", serial=2, inspected_on="2024-11-01"))
    clerk.post(f"/api/v1/machinery/machines/{code(3)}/status",
               json={"status": "scrapped", "effective_date": "2025-03-01", "reason": "cert"})
    report = clerk.get("/api/v1/machinery/coverage?year=2025").get_json()
    assert (report["registered"], report["tested"], report["share"]) == (2, 1, "0.5000")
    empty = clerk.get("/api/v1/machinery/coverage?year=2025&area=141024").get_json()
    assert (empty["registered"], empty["share"], empty["target_met"]) == (0, None, None)
    assert clerk.get("/api/v1/machinery/coverage?year=20x5").status_code == 422


@pytest.fixture
def december(as_role, rules):
    """A small city: Yaodu 5 machines (one 国一), Hongdong 3; December 2025 tests with one failure, one smoke,
    one LEZ violation; a test in November; a machine registered in December."""
    clerk = as_role("environment")
    _fleet(clerk, 4, 0)
    register(clerk, machine(5, emission_stage="nonroad_1", registered_on="2025-12-03"))
    _fleet(clerk, 3, 0, district=HONGDONG, start=6)
    register(clerk, machine(9, machine_type="loader", registered_on="2026-01-05"))  # after the month: not counted
    record(clerk, inspection("D-1", serial=1, inspected_on="2025-12-02"))
    record(clerk, inspection("D-2", serial=2, inspected_on="2025-12-09", opacity=1.5))
    record(clerk, inspection("D-3", serial=5, inspected_on="2025-12-10"))  # 国一 in the LEZ: violation
    record(clerk, inspection("D-4", serial=6, inspected_on="2025-12-11", emission_tested=False, opacity=...,
                             opacity_limit=..., black_smoke=True))
    record(clerk, inspection("N-1", serial=7, inspected_on="2025-11-20"))
    return clerk


def test_the_monthly_summary_follows_contract_v1_and_its_parts_add_up(as_role, december):
    city = as_role("service").get(f"{SUMMARY}?month=2025-12&area=141000")
    assert city.status_code == 200
    body = city.get_json()
    assert set(body) == {"month", "area", "as_of", "registered", "coverage", "failures_total", "failures",
                         "lez_violations_total", "lez_violations", "below_china_1_active"}
    registered = body["registered"]
    assert registered["active_at_month_end"] == 8 and registered["new_in_month"] == 1
    assert sum(t["count"] for t in registered["by_type"]) == registered["active_at_month_end"]
    assert sum(s["count"] for s in registered["by_stage"]) == registered["active_at_month_end"]
    assert {"stage": "nonroad_1", "count": 1} in registered["by_stage"]
    cover = body["coverage"]
    assert (cover["year"], cover["registered"], cover["tested"], cover["share"]) == (2025, 8, 4, "0.5000")
    assert sum(d["registered"] for d in cover["by_district"]) == cover["registered"]
    assert sum(d["tested"] for d in cover["by_district"]) == cover["tested"]
    assert cover["target"] == {"code": "nrmm.spot_check_emission_test_share", "value": "0.20",
                               "source_document": "临政办发〔2024〕40号", "source_item": "三(三) item 16"}
    assert body["failures_total"] == 2
    assert [(f["machine_code"], f["tested_on"], f["opacity"], f["limit"], f["black_smoke"], f["follow_up"])
            for f in body["failures"]] == [
        (code(2), "2025-12-09", 1.5, 0.8, False, "open"), (code(6), "2025-12-11", None, None, True, "open")]
    assert body["failures"][0]["deadline"] == "2025-12-24"
    assert body["lez_violations_total"] == 1
    (violation,) = body["lez_violations"]
    assert (violation["machine_code"], violation["zone_id"], violation["found_on"]) == (
        code(5), "linfen_nrmm_lez", "2025-12-10")
    assert any("国三以下" in r for r in violation["reasons"])
    assert body["below_china_1_active"] == 1


def test_the_summary_of_one_district_and_of_an_empty_month(as_role, december):
    yaodu = as_role("environment").get(f"{SUMMARY}?month=2025-12&area={YAODU}").get_json()
    assert yaodu["area"] == YAODU
    assert yaodu["registered"]["active_at_month_end"] == 5 and yaodu["failures_total"] == 1
    assert [d["district_code"] for d in yaodu["coverage"]["by_district"]] == [YAODU]
    before = as_role("service").get(f"{SUMMARY}?month=2019-10&area=141000").get_json()
    assert before["registered"]["active_at_month_end"] == 0 and before["coverage"]["share"] is None
    assert before["coverage"]["target"] is None and before["failures"] == []


@pytest.mark.parametrize("query", ["month=2025-13", "month=2025-1", "", "month=2025-12&area=14100",
                                   "month=2025-12&area=991000"])
def test_summary_bad_month_or_area_is_a_422_naming_the_field(as_role, rules, query):
    response = as_role("service").get(f"{SUMMARY}?{query}")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] in {"month", "area"}


def test_summary_and_coverage_roles(as_role, rules):
    for role, allowed in (("environment", True), ("service", True), ("admin", True), ("police", False),
                          ("transport", False)):
        assert (as_role(role).get(f"{SUMMARY}?month=2025-12").status_code == 200) is allowed
        assert (as_role(role).get("/api/v1/machinery/coverage?year=2025").status_code == 200) is allowed
    assert as_role("enterprise", uscc=uscc(1)).get(f"{SUMMARY}?month=2025-12").status_code == 403


def test_inspections_enterprise_sees_only_its_own_police_may_not_record(as_role, rules):
    clerk = as_role("environment")
    register(clerk, machine(1, owner_uscc=uscc(1)))
    register(clerk, machine(2, owner_uscc=uscc(2)))
    record(clerk, inspection("E-1", serial=1))
    record(clerk, inspection("E-2", serial=2))
    mine = as_role("enterprise", uscc=uscc(1)).get(INSPECTIONS).get_json()["items"]
    assert [i["inspection_ref"] for i in mine] == ["E-1"]
    assert as_role("police").post(INSPECTIONS, json=inspection("E-3")).status_code == 403
    assert as_role("enterprise", uscc=uscc(1)).post(INSPECTIONS, json=inspection("E-3")).status_code == 403
