"""Non-road machinery registration (编码登记): idempotent create/upsert, validation, status history, search,
change feed, and who may do what."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.db import unit_of_work
from shared.policy import seed_shipped_data
from tests.vehicles.factories import uscc
from tests.vehicles.machinery_factories import HONGDONG, code, machine, register
from vehicles.models import LowEmissionZone

URL = "/api/v1/machinery/machines"


def test_registering_the_same_machine_twice_returns_it_and_other_facts_are_a_409_naming_them(as_role):
    clerk = as_role("environment")
    first = clerk.post(URL, json=machine(1))
    assert first.status_code == 201
    assert first.get_json()["status"] == "active"
    assert first.get_json()["code_format"] == "national_platform"
    again = clerk.post(URL, json=machine(1, machine_type="挖掘机", emission_stage="国三"))
    assert again.status_code == 200
    changed = clerk.post(URL, json=machine(1, emission_stage="国四", site="另一工地"))
    assert changed.status_code == 409
    assert {e["field"] for e in changed.get_json()["errors"]} == {"emission_stage", "site"}
    assert clerk.get(f"{URL}/{code(1)}").get_json()["emission_stage"] == "nonroad_3"


def test_put_updates_the_machine_and_appends_one_feed_item_per_real_change(as_role):
    clerk = as_role("environment")
    assert clerk.put(f"{URL}/{code(1)}", json=machine(1)).status_code == 201
    assert clerk.put(f"{URL}/{code(1)}", json=machine(1)).status_code == 200
    moved = clerk.put(f"{URL}/{code(1)}", json=machine(1, district_code=HONGDONG, site="洪洞县 工地"))
    assert moved.status_code == 200 and moved.get_json()["district_code"] == HONGDONG
    feed = as_role("service").get("/api/v1/changes?after=0&limit=50").get_json()["items"]
    machine_items = [i for i in feed if i["kind"].startswith("machine.")]
    assert [i["kind"] for i in machine_items] == ["machine.upserted", "machine.upserted"]
    assert machine_items[-1]["key"] == {"code": code(1)}
    assert machine_items[-1]["data"]["district_code"] == HONGDONG


@pytest.mark.parametrize(
    ("overrides", "field", "reason_part"),
    [
        ({"machine_type": "bulldozer-x"}, "machine_type", "excavator, loader, forklift"),
        ({"fuel": "coal"}, "fuel", "diesel, electric, gas, other"),
        ({"emission_stage": "国五"}, "emission_stage", "nonroad_0"),
        ({"emission_stage": "国二以下"}, "emission_stage", "国一以下"),
        ({"owner_uscc": "911410020000000018"}, "owner_uscc", "check"),
        ({"code": "AB-1"}, "code", "accepted format"),
        ({"code": "x" * 40}, "code", "accepted format"),
        ({"district_code": "1410"}, "district_code", "six digits"),
        ({"registered_on": "2019-02-30"}, "registered_on", ""),
        ({"manufacture_date": "2020-01-01"}, "manufacture_date", "after the registration day"),
        ({"fuel": "electric"}, "emission_stage", "electric"),
        ({"emission_stage": "electric"}, "emission_stage", "electric machine only"),
        ({"emission_stage": ...}, "emission_stage", "required"),
        ({"status": "flying"}, "status", "active, scrapped"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_what_is_allowed(as_role, overrides, field, reason_part):
    response = as_role("environment").post(URL, json=machine(1, **overrides))
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.content_type == "application/problem+json"
    fields = {e["field"]: e["reason"] for e in problem["errors"]}
    assert field in fields, problem
    assert reason_part in fields[field]
    assert as_role("environment").get(f"{URL}?limit=5").get_json()["items"] == []


def test_an_electric_machine_needs_no_stage_and_chinese_labels_are_accepted(as_role):
    stored = register(as_role("environment"),
                      machine(1, machine_type="叉车", fuel="电动", emission_stage=..., code=" lf2019a00001 "))
    assert (stored["machine_type"], stored["fuel"], stored["emission_stage"]) == ("forklift", "electric", "electric")
    assert stored["code"] == code(1)


def test_status_history_is_dated_append_only_and_final_statuses_stay(as_role):
    clerk = as_role("environment")
    register(clerk, machine(1))
    status = f"{URL}/{code(1)}/status"
    early = clerk.post(status, json={"status": "scrapped", "effective_date": "2019-01-01", "reason": "x"})
    assert early.status_code == 422 and early.get_json()["errors"][0]["field"] == "effective_date"
    moved = clerk.post(status, json={"status": "转出", "effective_date": "2023-03-01", "reason": "moved to Taiyuan"})
    assert moved.status_code == 200 and moved.get_json()["status"] == "transferred_out"
    again = clerk.post(status, json={"status": "transferred_out", "effective_date": "2023-03-01", "reason": "retry"})
    assert again.status_code == 200
    back = clerk.post(status, json={"status": "active", "effective_date": "2024-01-01", "reason": "back"})
    assert back.status_code == 200
    scrapped = clerk.post(status, json={"status": "scrapped", "effective_date": "2024-06-01", "reason": "cert 1"})
    assert scrapped.status_code == 200
    after = clerk.post(status, json={"status": "active", "effective_date": "2024-07-01", "reason": "oops"})
    assert after.status_code == 409
    history = clerk.get(f"{URL}/{code(1)}/history").get_json()
    assert [(h["from_value"], h["to_value"], h["effective_date"]) for h in history] == [
        ("active", "transferred_out", "2023-03-01"),
        ("transferred_out", "active", "2024-01-01"),
        ("active", "scrapped", "2024-06-01"),
    ]
    put_status = clerk.put(f"{URL}/{code(1)}", json=machine(1, status="active"))
    assert put_status.status_code == 409 and put_status.get_json()["errors"][0]["field"] == "status"


def test_search_pages_by_keyset_and_filters(as_role):
    clerk = as_role("environment")
    for serial in range(1, 8):
        register(clerk, machine(serial, machine_type="loader" if serial % 2 else "crane",
                                district_code=HONGDONG if serial > 5 else "141002"))
    first = clerk.get(f"{URL}?limit=3&area=141000").get_json()
    second = clerk.get(f"{URL}?limit=3&area=141000&cursor={first['next_cursor']}").get_json()
    third = clerk.get(f"{URL}?limit=3&area=141000&cursor={second['next_cursor']}").get_json()
    codes = [m["code"] for page in (first, second, third) for m in page["items"]]
    assert codes == [code(s) for s in range(1, 8)] and third["next_cursor"] is None
    loaders = clerk.get(f"{URL}?machine_type=装载机&district_code=141002").get_json()["items"]
    assert [m["code"] for m in loaders] == [code(1), code(3), code(5)]
    assert clerk.get(f"{URL}?emission_stage=国七").status_code == 422


def test_role_matrix_environment_registers_police_reads_enterprise_sees_only_its_own(as_role):
    mine, theirs = uscc(1), uscc(2)
    register(as_role("environment"), machine(1, owner_uscc=mine))
    register(as_role("environment"), machine(2, owner_uscc=theirs))
    for role in ("police", "transport", "service"):
        assert as_role(role).post(URL, json=machine(3)).status_code == 403
        assert as_role(role).put(f"{URL}/{code(3)}", json=machine(3)).status_code == 403
    police = as_role("police")
    assert police.get(f"{URL}/{code(1)}").status_code == 200
    status = {"status": "scrapped", "effective_date": "2024-01-01", "reason": "x"}
    assert police.post(f"{URL}/{code(1)}/status", json=status).status_code == 403
    company = as_role("enterprise", uscc=mine)
    assert company.post(URL, json=machine(4, owner_uscc=mine)).status_code == 403
    assert [m["code"] for m in company.get(URL).get_json()["items"]] == [code(1)]
    assert company.get(f"{URL}/{code(1)}").status_code == 200
    assert company.get(f"{URL}/{code(2)}").status_code == 404
    assert company.get(f"{URL}/{code(2)}/history").status_code == 404
    assert as_role("gate", site="S1").get(URL).status_code == 403


def test_policy_seed_loads_the_zones_with_the_other_reference_tables(app, db):
    with app.app_context(), unit_of_work() as session:
        first = seed_shipped_data(session, "vehicles")
        again = seed_shipped_data(session, "vehicles")
        zones = {z.zone_id: z for z in session.scalars(select(LowEmissionZone))}
    assert again["reference data"]["added"] == 0 and first["reference data"]["unchanged"] >= 1
    assert set(zones) == {"linfen_nrmm_lez", "linfen_planning_area"}
    assert str(zones["linfen_nrmm_lez"].effective_from) == "2024-12-06"
