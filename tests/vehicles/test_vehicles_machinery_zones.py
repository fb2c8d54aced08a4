"""Low-emission zones and the machinery rules of 002 item 16: below 国三 banned in the LEZ, fuel loaders /
forklifts / pile drivers banned on construction sites in the planning area, 国一 and below eliminated from
2025-01-01; every reason with its code, Chinese text and source; the police check of a machinery code."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest

from shared.db import unit_of_work
from tests.vehicles.factories import add_entry, list_entry
from tests.vehicles.machinery_factories import HONGDONG, YAODU, code, machine, register, seed_policy
from vehicles.machinery_rules import MachineContext, machine_bans, pick_rule
from vehicles.machinery_terms import machinery_policy
from vehicles.reference import sync_zones

VERDICT = "/api/v1/machinery/verdict"


@pytest.fixture
def rules(app, db):
    seed_policy(app)
    with app.app_context(), unit_of_work() as session:
        sync_zones(session)


def _verdict(client, serial, day, zone=None, site=False):
    url = f"{VERDICT}?code={code(serial)}&date={day}&construction_site={'true' if site else 'false'}"
    response = client.get(url + (f"&zone={zone}" if zone else ""))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- the pure rule, without HTTP ------------------------------------------------------------------------------


def _rule(code_, start, end, value=None, value_date=None):
    return SimpleNamespace(code=code_, jurisdiction="linfen", value=value, value_date=value_date,
                           effective_from=start, effective_to=end, source_document="临政办发〔2024〕40号",
                           source_item="三(三) item 16")


def test_a_rule_applies_in_its_period_and_is_carried_forward_after_it_until_replaced():
    first = _rule("nrmm.lez_minimum_stage", date(2024, 12, 6), date(2025, 3, 31), value=3)
    assert pick_rule([first], date(2024, 12, 5), carry_forward=True) is None
    assert pick_rule([first], date(2025, 3, 31), carry_forward=True).carried_forward is False
    later = pick_rule([first], date(2025, 4, 1), carry_forward=True)
    assert later.carried_forward and "period ended 2025-03-31" in later.source
    assert pick_rule([first], date(2025, 4, 1), carry_forward=False) is None
    second = _rule("nrmm.lez_minimum_stage", date(2026, 1, 1), None, value=4)
    assert pick_rule([first, second], date(2026, 1, 1), carry_forward=True).value == 4


def _zone(zone_id, kind, start=date(2024, 12, 6), end=None):
    return SimpleNamespace(zone_id=zone_id, kind=kind, jurisdiction="linfen", districts=[YAODU], name_zh=zone_id,
                           effective_from=start, effective_to=end, source_document="doc", source_item="item")


def _ctx(day, zones, site=False):
    rules = {
        ("lez_minimum_stage", "linfen"): pick_rule([_rule("c1", date(2024, 12, 6), None, value=3)], day, True),
        ("construction_site_ban", "linfen"): pick_rule(
            [_rule("c2", date(2024, 12, 6), None, value_date=date(2024, 12, 6))], day, True),
        ("elimination_deadline", "linfen"): pick_rule(
            [_rule("c3", date(2024, 12, 6), None, value_date=date(2024, 12, 31))], day, True),
    }
    return MachineContext(day=day, zones=zones, rules=rules, settings=machinery_policy(), jurisdictions=["linfen"],
                          on_construction_site=site)


def _machine(**facts):
    base = {"machine_type": "excavator", "fuel": "diesel", "emission_stage": "nonroad_3", "status": "active",
            "status_date": date(2020, 1, 1), "district_code": YAODU}
    return SimpleNamespace(**{**base, **facts})


def test_zone_effective_dates_bound_the_lez_ban():
    lez = _zone("lez", "low_emission_zone", start=date(2025, 1, 1), end=date(2025, 6, 30))
    old = _machine(emission_stage="nonroad_2")
    codes = [lambda d: [b.code for b in machine_bans(old, _ctx(d, [lez]))]][0]
    assert codes(date(2024, 12, 31)) == []
    assert codes(date(2025, 1, 1)) == ["lez_below_stage"]
    assert codes(date(2025, 6, 30)) == ["lez_below_stage"]
    assert codes(date(2025, 7, 1)) == []


# --- through the API ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "banned"),
    [("nonroad_2", True), ("国三", False), ("nonroad_4", False), ("electric", False)],
)
def test_below_china_iii_is_banned_in_the_low_emission_zone(as_role, rules, stage, banned):
    fuel = "electric" if stage == "electric" else "diesel"
    register(as_role("environment"), machine(1, emission_stage=stage, fuel=fuel))
    answer = _verdict(as_role("police"), 1, "2025-06-01", zone="linfen_nrmm_lez")
    assert answer["banned"] is banned and answer["allowed"] is not banned
    if banned:
        (reason,) = answer["reasons"]
        assert reason["code"] == "lez_below_stage"
        assert "国三以下" in reason["zh"]
        assert "临政办发〔2024〕40号" in reason["source"]


def test_the_lez_ban_does_not_reach_a_district_outside_the_zone(as_role, rules):
    register(as_role("environment"), machine(1, emission_stage="nonroad_2", district_code=HONGDONG))
    answer = _verdict(as_role("police"), 1, "2025-06-01")
    assert answer["zones"] == [] and answer["allowed"] is True


@pytest.mark.parametrize(
    ("machine_type", "fuel", "site", "banned"),
    [
        ("loader", "diesel", True, True),
        ("forklift", "gas", True, True),
        ("pile_driver", "diesel", True, True),
        ("loader", "electric", True, False),
        ("excavator", "diesel", True, False),
        ("loader", "diesel", False, False),
    ],
)
def test_fuel_loaders_forklifts_pile_drivers_are_banned_on_construction_sites_in_the_planning_area(
    as_role, rules, machine_type, fuel, site, banned
):
    stage = "electric" if fuel == "electric" else "nonroad_4"
    register(as_role("environment"), machine(1, machine_type=machine_type, fuel=fuel, emission_stage=stage))
    answer = _verdict(as_role("police"), 1, "2025-06-01", zone="linfen_planning_area", site=site)
    assert answer["banned"] is banned
    if banned:
        assert [r["code"] for r in answer["reasons"]] == ["construction_site_fuel_machine"]
        assert "燃油装载机、叉车、打桩机" in answer["reasons"][0]["zh"]


def test_the_construction_site_ban_starts_with_the_plan(as_role, rules):
    register(as_role("environment"), machine(1, machine_type="loader", emission_stage="nonroad_4"))
    before = _verdict(as_role("police"), 1, "2024-12-05", zone="linfen_planning_area", site=True)
    on_the_day = _verdict(as_role("police"), 1, "2024-12-06", zone="linfen_planning_area", site=True)
    assert before["allowed"] and on_the_day["banned"]


@pytest.mark.parametrize(("day", "banned"), [("2024-12-31", False), ("2025-01-01", True), ("2026-11-01", True)])
def test_china_i_and_below_are_eliminated_from_2025_01_01_anywhere_in_the_city(as_role, rules, day, banned):
    clerk = as_role("environment")
    register(clerk, machine(1, emission_stage="国一", district_code=HONGDONG))
    register(clerk, machine(2, emission_stage="国一以下", district_code=HONGDONG))
    register(clerk, machine(3, emission_stage="国二", district_code=HONGDONG))
    for serial, expected in ((1, banned), (2, banned), (3, False)):
        answer = _verdict(as_role("police"), serial, day)
        assert answer["banned"] is expected, (serial, answer)
        if expected:
            assert answer["reasons"][0]["code"] == "eliminated_stage"


def test_every_reason_is_listed_when_several_apply(as_role, rules):
    register(as_role("environment"), machine(1, machine_type="loader", emission_stage="nonroad_1"))
    add_entry(as_role("environment"), list_entry(1, subject_type="machinery", code=code(1), plate=..., plate_colour=...,
                                                 reason_code="other", effective_from="2025-01-01"))
    answer = _verdict(as_role("environment"), 1, "2025-06-01", site=True)
    assert sorted(r["code"] for r in answer["reasons"]) == [
        "blacklist", "construction_site_fuel_machine", "eliminated_stage", "lez_below_stage"]
    assert all(r["zh"] for r in answer["reasons"])


def test_verdict_bad_input_is_a_422_and_an_unknown_machine_a_404(as_role, rules):
    register(as_role("environment"), machine(1))
    police = as_role("police")
    unknown_zone = police.get(f"{VERDICT}?code={code(1)}&zone=nowhere")
    assert unknown_zone.status_code == 422
    assert "linfen_nrmm_lez" in unknown_zone.get_json()["errors"][0]["reason"]
    assert police.get(f"{VERDICT}?code={code(1)}&date=2025-13-01").status_code == 422
    assert police.get(f"{VERDICT}?code=%20").status_code == 422
    assert police.get(f"{VERDICT}?code={code(9)}").status_code == 404


def test_zones_are_listed_with_their_source(as_role, rules):
    zones = as_role("police").get("/api/v1/machinery/zones").get_json()
    assert {z["zone_id"] for z in zones} == {"linfen_nrmm_lez", "linfen_planning_area"}
    assert all(z["source_document"] == "临政办发〔2024〕40号" and z["districts"] == [YAODU] for z in zones)


# --- the police check -----------------------------------------------------------------------------------------


def test_police_check_a_machinery_code_facts_list_entries_and_bans_now_and_it_is_logged(as_role, rules):
    register(as_role("environment"), machine(1, emission_stage="nonroad_1"))
    add_entry(as_role("environment"), list_entry(1, subject_type="machinery", code=code(1), plate=..., plate_colour=...,
                                                 reason_code="other", effective_from="2025-01-01"))
    police = as_role("police")
    answer = police.get(f"/api/v1/checks?code={code(1).lower()}").get_json()
    assert answer["found"] and answer["registered"] and answer["blacklisted"] and answer["banned"]
    assert answer["machine"]["emission_stage"] == "nonroad_1"
    assert {"eliminated_stage", "lez_below_stage", "blacklist"} <= {r["code"] for r in answer["ban_reasons"]}
    assert answer["entries"][0]["reason_code"] == "other"
    posted = police.post("/api/v1/checks", json={"code": code(1)}).get_json()
    assert posted["banned"]
    unknown = police.get("/api/v1/checks?code=ZZ2019A99999").get_json()
    assert unknown["found"] is False and unknown["banned"] is False
    log = as_role("environment").get("/api/v1/checks/log?limit=10").get_json()["items"]
    assert [row["answer"]["machine_code"] for row in log] == [code(1), code(1), "ZZ2019A99999"]
    assert log[0]["banned"] is True and log[0]["plate"] is None


def test_a_check_needs_a_plate_or_a_code_and_a_bad_code_is_a_422(as_role, rules):
    police = as_role("police")
    assert police.post("/api/v1/checks", json={}).status_code == 422
    bad = police.get("/api/v1/checks?code=AB-1")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "code"
    (refused,) = as_role("environment").get("/api/v1/checks/log").get_json()["items"]
    assert (refused["valid"], refused["query_raw"]) == (False, "AB-1")
    both = police.post("/api/v1/checks", json={"plate": "晋L12345", "code": code(1)})
    assert both.status_code == 422
    assert as_role("enterprise", uscc="911410020000000017").get(f"/api/v1/checks?code={code(1)}").status_code == 403


def test_check_day_is_the_city_day(as_role, rules, app):
    from vehicles.commands.machinery_reports import CheckMachine

    register(as_role("environment"), machine(1, emission_stage="nonroad_1", district_code=HONGDONG))
    with app.app_context():
        # 2024-12-31T16:30Z is already 2025-01-01 in Linfen: the machine is past its elimination deadline
        late = CheckMachine(code(1), "t", "police", now=datetime.fromisoformat("2024-12-31T16:30:00+00:00")).run()
        early = CheckMachine(code(1), "t", "police", now=datetime.fromisoformat("2024-12-31T15:30:00+00:00")).run()
    assert late["banned"] and not early["banned"]
