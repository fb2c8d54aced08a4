"""Sections 3 and 4 against the real vehicles service: machinery and list entries created through its API."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.reports import factories

DISTRICT = "141002"  # 尧都区
OTHER_DISTRICT = "141081"  # 侯马市
_section, _table = factories.section_of, factories.table_of


@pytest.fixture(scope="module")
def upstreams(seeded_upstreams):
    return seeded_upstreams


@pytest.fixture(scope="module")
def list_data(upstreams):
    """This city month: two trucks of the district blacklisted (one lifted again), an enterprise of the district
    and one of another district put under key supervision. Lists count entries by when they are made."""
    from shared.timeutil import zone

    today = datetime.now(zone("Asia/Shanghai")).date()
    reg = factories.Vehicles(upstreams["vehicles"].url)
    kept = reg.vehicle(DISTRICT, "2012-05-01", stage="china_3")
    lifted = reg.vehicle(DISTRICT, "2013-05-01", stage="china_3")
    for truck in (kept, lifted):
        entry = reg.listed({"subject_type": "vehicle", "plate": truck["plate"], "plate_colour": "yellow"},
                           "blacklist", "roadside_over_emission", today.isoformat())  # fmt: skip
    reg.lift(entry)
    here, there = factories.uscc(DISTRICT), factories.uscc(OTHER_DISTRICT)
    for code in (here, there):
        reg.listed({"subject_type": "enterprise", "uscc": code}, "key_supervision", "no_online_monitoring",
                   today.isoformat())  # fmt: skip
    return {"month": today.strftime("%Y-%m"), "here": here, "there": there}


def _list_report(as_role, month: str, area: str) -> dict:
    response = as_role("environment").get(
        f"/api/v1/reports/monthly/{month}", query_string={"area": area, "regenerate": "true"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return _section(response.get_json(), "blacklists")


def test_list_entries_added_and_lifted_by_reason_with_the_plans_that_allow_them(as_role, list_data):
    section = _list_report(as_role, list_data["month"], DISTRICT)
    reasons = _table(section, "reasons")
    rows = {row["reason_code"]: row for row in reasons["rows"]}
    assert set(rows) == {"roadside_over_emission", "no_online_monitoring"}
    assert (rows["roadside_over_emission"]["added"], rows["roadside_over_emission"]["lifted"]) == (2, 1)
    assert (rows["no_online_monitoring"]["added"], rows["no_online_monitoring"]["lifted"]) == (1, 0)
    assert rows["roadside_over_emission"]["reason"] == "路检路查超标排放"
    assert rows["roadside_over_emission"]["source"] == "临政办发〔2024〕40号 三(五) item 29"
    assert (reasons["totals"]["added"], reasons["totals"]["lifted"]) == (3, 1)
    changes = _table(section, "changes")
    assert changes["totals"]["added"] == sum(row["added"] for row in changes["rows"]) == 3
    active = {(row["list_kind"], row["subject"]): row["count"] for row in _table(section, "active")["rows"]}
    assert active == {("黑名单", "机动车"): 1, ("重点监管", "企业"): 1}
    enterprises = _table(section, "enterprises")["rows"]
    assert [(row["uscc"], row["list_kind"], row["added_in_month"]) for row in enterprises] == [
        (list_data["here"], "重点监管", "是")
    ]
    chart = section["charts"][0]
    assert (chart["table"], chart["value"], chart["second_value"]) == ("reasons", "added", "lifted")
    cited = {(t["document"], t["item"]) for t in section["targets"]}
    assert ("临政办发〔2020〕13号", "item 18") in cited  # no_online_monitoring's plan item
    paths = [source["path"] for source in section["sources"]]
    assert f"/api/v1/summaries/lists?month={list_data['month']}&area={DISTRICT}" in paths


def test_the_city_lists_include_the_other_district(as_role, list_data):
    section = _list_report(as_role, list_data["month"], "city")
    enterprises = {row["uscc"] for row in _table(section, "enterprises")["rows"]}
    assert {list_data["here"], list_data["there"]} <= enterprises
    assert _table(section, "reasons")["totals"]["added"] >= 4


MMONTH = "2025-03"  # the 20 % spot-check target (临政办发〔2024〕40号 三(三) item 16) is in force


@pytest.fixture(scope="module")
def machinery_data(upstreams):
    """Four machines in the district (one new in March, one 国一), one elsewhere; three tested in March, one failed."""
    reg = factories.Vehicles(upstreams["vehicles"].url)
    passed = reg.machine(DISTRICT, "2019-11-20")
    failed = reg.machine(DISTRICT, "2020-04-01", machine_type="loader", stage="nonroad_4")
    reg.machine(DISTRICT, "2025-03-05", stage="nonroad_4")  # registered this month, not tested yet
    reg.machine(DISTRICT, "2015-01-01", machine_type="forklift", stage="nonroad_1")
    far = reg.machine(OTHER_DISTRICT, "2019-01-01")
    reg.inspect(passed, "2025-03-10", opacity=0.5)
    reg.inspect(failed, "2025-03-11", opacity=1.2)
    reg.inspect(far, "2025-03-12", opacity=0.4)
    return {"failed": failed}


def _mreport(as_role, area: str) -> dict:
    response = as_role("environment").get(
        f"/api/v1/reports/monthly/{MMONTH}", query_string={"area": area, "regenerate": "true"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return _section(response.get_json(), "machinery")


def test_machinery_coverage_per_district_against_the_20_percent_target(as_role, machinery_data):
    section = _mreport(as_role, DISTRICT)
    coverage = _table(section, "coverage")
    assert [(r["district_code"], r["registered"], r["tested"], r["share"], r["target"], r["verdict"])
            for r in coverage["rows"]] == [(DISTRICT, 4, 2, 0.5, 0.2, "达标")]  # fmt: skip
    assert (coverage["totals"]["registered"], coverage["totals"]["tested"], coverage["totals"]["share"]) == (4, 2, 0.5)
    types = {r["code"]: r["count"] for r in _table(section, "types")["rows"]}
    assert types == {"excavator": 2, "loader": 1, "forklift": 1}
    assert _table(section, "types")["totals"]["count"] == 4
    failures = _table(section, "failures")["rows"]
    assert [(f["machine_code"], f["tested_on"], f["opacity"], f["limit"]) for f in failures] == [
        (machinery_data["failed"], "2025-03-11", 1.2, 0.8)]  # fmt: skip
    assert [(r["follow_up"], r["count"]) for r in _table(section, "follow_up")["rows"]] == [("待整改", 1)]
    cited = {(t["code"], t["document"], t["item"]) for t in section["targets"]}
    assert ("nrmm.spot_check_emission_test_share", "临政办发〔2024〕40号", "三(三) item 16") in cited
    chart = section["charts"][0]
    assert (chart["table"], chart["value"], chart["target"]) == ("coverage", "share", "target")
    assert "国一及以下仍在用 1 台" in section["notes"][0] and "本月新登记 1 台" in section["notes"][0]
    assert not any("注意" in note for note in section["notes"])


def test_the_city_machinery_coverage_adds_the_districts_up(as_role, machinery_data):
    coverage = _table(_mreport(as_role, "city"), "coverage")
    assert {r["district_code"]: (r["registered"], r["tested"]) for r in coverage["rows"]} == {
        DISTRICT: (4, 2), OTHER_DISTRICT: (1, 1)}  # fmt: skip
    assert (coverage["totals"]["registered"], coverage["totals"]["tested"], coverage["totals"]["share"]) == (5, 3, 0.6)
