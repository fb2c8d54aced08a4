"""The registry: create, idempotent upsert, get, search, status changes with history, stage inference."""

from __future__ import annotations

import pytest

from tests.vehicles.factories import change_status, path, plate, register, uscc, vehicle, vin


def test_put_creates_then_the_same_put_changes_nothing(as_role):
    clerk = as_role("transport")
    body = vehicle(plate_colour="黄", plate="晋l 00001")
    first = clerk.put("/api/v1/vehicles/晋L00001/yellow", json=body)
    assert first.status_code == 201, first.get_json()
    record = first.get_json()
    assert (record["plate"], record["plate_raw"], record["plate_colour"]) == ("晋L00001", "晋l 00001", "yellow")
    again = clerk.put("/api/v1/vehicles/晋L00001/yellow", json=body)
    assert again.status_code == 200
    assert again.get_json()["updated_at"] == record["updated_at"]
    found = clerk.get("/api/v1/vehicles", query_string={"plate_prefix": "晋L0000"}).get_json()["items"]
    assert len(found) == 1


def test_post_creates_once_and_refuses_other_facts_for_the_same_plate(as_role):
    clerk = as_role("transport")
    assert clerk.post("/api/v1/vehicles", json=vehicle()).status_code == 201
    assert clerk.post("/api/v1/vehicles", json=vehicle()).status_code == 200
    conflict = clerk.post("/api/v1/vehicles", json=vehicle(fuel="natural_gas"))
    assert conflict.status_code == 409
    assert {e["field"] for e in conflict.get_json()["errors"]} == {"fuel"}


def test_the_same_plate_in_two_colours_is_two_vehicles(as_role):
    clerk = as_role("transport")
    register(clerk, vehicle(1, plate_colour="yellow"))
    register(clerk, vehicle(1, plate_colour="blue", vehicle_class="M1", body_type="official_car", fuel="petrol"))
    assert clerk.get(path(vehicle(1, plate_colour="blue"))).get_json()["vehicle_class"] == "M1"
    assert clerk.get(path(vehicle(1))).get_json()["vehicle_class"] == "N3"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"plate": "晋LO0001"}, "plate", "I or O"),
        ({"plate": "X12345"}, "plate", "province"),
        ({"vin": "LFWSRXRJ200000001"}, "vin", "check digit"),
        ({"owner_uscc": "911410020000000018"}, "owner_uscc", "check character"),
        ({"emission_stage": "国九"}, "emission_stage", "china_6b"),
        ({"fuel": "coal"}, "fuel", "battery_electric"),
        ({"body_type": "rocket"}, "body_type", "muck_truck"),
        ({"district_code": "991002"}, "district_code", "province-level"),
        ({"registration_date": "2015-13-01"}, "registration_date", "date"),
        ({"scrap_deadline": "2010-01-01"}, "scrap_deadline", "before the registration"),
        ({"owner_uscc": None, "owner_person_id": "110101199003074478"}, "owner_person_id", "check character"),
        ({"operating": "maybe"}, "operating", "true or false"),
    ],
)
def test_bad_fields_are_422_naming_the_field_and_reason(as_role, overrides, field, words):
    response = as_role("environment").post("/api/v1/vehicles", json=vehicle(**overrides))
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    errors = {e["field"]: e["reason"] for e in problem["errors"]}
    assert field in errors, problem
    assert words in errors[field]
    assert as_role("police").get("/api/v1/vehicles").get_json()["items"] == [], "nothing half-written"


def test_a_person_owner_is_never_returned_in_full_but_can_be_searched(as_role):
    clerk = as_role("transport")
    person = "110101199003074477"  # a valid resident id (check character 7)
    register(clerk, vehicle(owner_uscc=None, owner_person_id=person, operating=False))
    record = clerk.get(path(vehicle())).get_json()
    assert record["owner_person"].endswith("4477") and person not in str(record)
    found = clerk.get("/api/v1/vehicles", query_string={"owner_person_id": person}).get_json()["items"]
    assert [v["plate"] for v in found] == [plate(1)]
    changes = as_role("service").get("/api/v1/changes").get_json()["items"]
    assert person not in str(changes)


def test_search_filters_combine_and_pages_never_repeat(as_role):
    clerk = as_role("transport")
    for serial in range(1, 8):
        register(
            clerk, vehicle(serial, emission_stage=["china_5", "china_3"][serial % 2], owner_uscc=uscc(serial % 3))
        )
    register(clerk, vehicle(99, district_code="141081", emission_stage="china_3", owner_uscc=uscc(5)))
    seen, cursor = [], None
    while True:
        query = {"emission_stage": "国三", "district_code": "141002", "limit": 2}
        if cursor:
            query["cursor"] = cursor
        page = clerk.get("/api/v1/vehicles", query_string=query).get_json()
        seen += [v["plate"] for v in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [plate(1), plate(3), plate(5), plate(7)]
    owned = clerk.get("/api/v1/vehicles", query_string={"owner_uscc": uscc(1)}).get_json()["items"]
    assert [v["plate"] for v in owned] == [plate(1), plate(4), plate(7)]
    bad = clerk.get("/api/v1/vehicles", query_string={"emission_stage": "euro 4"})
    assert bad.status_code == 422 and "china_0" in bad.get_json()["errors"][0]["reason"]


def test_status_changes_are_dated_kept_in_history_and_retries_add_nothing(as_role):
    clerk = as_role("transport")
    body = vehicle()
    register(clerk, body)
    assert change_status(clerk, body, "plate_void", "2021-03-01", "past mandatory scrapping").status_code == 201
    assert change_status(clerk, body, "plate_void", "2021-03-01", "retry").status_code == 200
    future = change_status(clerk, body, "scrapped", "4034-01-01", "typo in the year")
    assert future.status_code == 422 and future.get_json()["errors"][0]["field"] == "effective_date"
    assert change_status(clerk, body, "scrapped", "2021-05-10", "certificate 123").status_code == 201
    history = clerk.get(path(body) + "/history").get_json()
    assert [(h["from_value"], h["to_value"], h["effective_date"]) for h in history] == [
        ("active", "plate_void", "2021-03-01"),
        ("plate_void", "scrapped", "2021-05-10"),
    ]
    record = clerk.get(path(body)).get_json()
    assert (record["status"], record["status_date"]) == ("scrapped", "2021-05-10")
    final = change_status(clerk, body, "active", "2022-01-01")
    assert final.status_code == 409


def test_a_status_change_dated_before_registration_is_422(as_role):
    clerk = as_role("transport")
    body = vehicle(registration_date="2015-06-01")
    register(clerk, body)
    day_before = change_status(clerk, body, "deregistered", "2015-05-31")
    assert day_before.status_code == 422
    assert day_before.get_json()["errors"][0]["field"] == "effective_date"
    assert change_status(clerk, body, "deregistered", "2015-06-01").status_code == 201
    unknown = change_status(clerk, vehicle(2), "scrapped", "2020-01-01")
    assert unknown.status_code == 404
    bad_status = change_status(clerk, body, "stolen", "2020-01-01")
    assert bad_status.status_code == 422 and "transferred_out" in bad_status.get_json()["errors"][0]["reason"]


def test_a_missing_stage_is_inferred_from_the_dated_table_and_marked(as_role):
    clerk = as_role("transport")
    # heavy diesel: 国三 from 2008-07-01, 国四 from 2013-07-01
    day_before = register(clerk, vehicle(1, emission_stage=..., registration_date="2013-06-30"))
    on_the_day = register(clerk, vehicle(2, emission_stage=..., registration_date="2013-07-01"))
    light_petrol = register(
        clerk,
        vehicle(
            3,
            emission_stage=...,
            vehicle_class="M1",
            body_type="taxi",
            fuel="petrol",
            registration_date="2013-06-30",
            plate_colour="blue",
        ),
    )
    electric = register(
        clerk, vehicle(4, emission_stage=..., fuel="battery_electric", body_type="bus", vehicle_class="M3")
    )
    assert (day_before["emission_stage"], day_before["stage_inferred"]) == ("china_3", True)
    assert (on_the_day["emission_stage"], on_the_day["stage_inferred"]) == ("china_4", True)
    assert (light_petrol["emission_stage"], light_petrol["stage_inferred"]) == ("china_4", True)
    assert (electric["emission_stage"], electric["stage_inferred"]) == (None, False)
    inferred = clerk.get("/api/v1/vehicles", query_string={"stage_inferred": "true"}).get_json()["items"]
    assert len(inferred) == 3


def test_a_recorded_stage_is_never_overwritten_by_an_inferred_one(as_role):
    clerk = as_role("transport")
    register(clerk, vehicle(1, emission_stage="china_5", registration_date="2013-06-30"))
    kept = register(clerk, vehicle(1, emission_stage=..., registration_date="2013-06-30"))
    assert (kept["emission_stage"], kept["stage_inferred"]) == ("china_5", False)
    register(clerk, vehicle(2, emission_stage=..., registration_date="2013-06-30"))
    recorded = register(clerk, vehicle(2, emission_stage="国五", registration_date="2013-06-30"))
    assert (recorded["emission_stage"], recorded["stage_inferred"]) == ("china_5", False)


def test_a_stage_upgrade_is_dated_and_must_raise_the_stage(as_role):
    clerk = as_role("transport")
    body = vehicle(emission_stage="china_3")
    register(clerk, body)
    lower = clerk.post(
        path(body) + "/stage-upgrades",
        json={"emission_stage": "china_3", "effective_date": "2020-05-01", "reason": "x"},
    )
    assert lower.status_code == 422
    upgrade = {"emission_stage": "国五", "effective_date": "2020-05-01", "reason": "engine replaced"}
    done = clerk.post(path(body) + "/stage-upgrades", json=upgrade)
    assert done.status_code == 201
    assert (done.get_json()["emission_stage"], done.get_json()["prior_stage"]) == ("china_5", "china_3")
    assert clerk.post(path(body) + "/stage-upgrades", json=upgrade).status_code == 200
    # a later PUT without a stage keeps the upgraded one
    assert register(clerk, vehicle(emission_stage=...))["emission_stage"] == "china_5"


def test_roles_outside_the_registry_are_refused(as_role):
    assert as_role("enterprise", uscc=uscc(1)).get("/api/v1/vehicles").status_code == 403
    assert as_role("service").put(path(vehicle()), json=vehicle()).status_code == 403


def test_police_read_the_registry_but_change_no_fact_in_it(as_role):
    # issue 9: "police can check but not edit"
    clerk, police = as_role("transport"), as_role("police")
    body = vehicle(emission_stage="china_3")
    before = register(clerk, body)
    changes_before = as_role("service").get("/api/v1/changes").get_json()["items"]
    assert police.get(path(body)).get_json() == before
    assert [v["plate"] for v in police.get("/api/v1/vehicles").get_json()["items"]] == [plate(1)]

    refused = [
        police.put(path(body), json=vehicle(emission_stage="china_3", fuel="natural_gas")),
        police.post("/api/v1/vehicles", json=vehicle(2)),
        change_status(police, body, "scrapped", "2021-01-05"),
        police.post(path(body) + "/stage-upgrades",
                    json={"emission_stage": "china_5", "effective_date": "2020-05-01", "reason": "engine"}),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert all(r.mimetype == "application/problem+json" for r in refused)
    assert police.get(path(body)).get_json() == before
    assert police.get(path(vehicle(2))).status_code == 404
    assert police.get(path(body) + "/history").get_json() == []
    assert as_role("service").get("/api/v1/changes").get_json()["items"] == changes_before


def test_a_role_that_may_not_write_is_refused_before_its_body_is_read(as_role):
    # a 422 would tell the caller what the operation accepts; the role decides first, then the content type
    police = as_role("police")
    for answer in (police.post("/api/v1/vehicles", json={"plate": ""}),
                   police.post("/api/v1/vehicles", data="not json", content_type="text/plain")):
        assert answer.status_code == 403, answer.get_json()
        assert answer.get_json()["detail"].startswith("role 'police' may not do this")


def test_vins_are_optional_but_checked(as_role):
    clerk = as_role("transport")
    record = register(clerk, vehicle(vin=None))
    assert record["vin"] is None
    assert register(clerk, vehicle(vin=vin(1).lower()))["vin"] == vin(1)


def _history(clerk, body, kind="operating_changed"):
    events = clerk.get(path(body) + "/history").get_json()
    return [(e["effective_date"], e["from_value"], e["to_value"]) for e in events if e["kind"] == kind]


def test_a_change_of_the_operating_flag_is_dated_in_the_history_and_listed_in_the_feed(as_role):
    from vehicles.commands.registry import city_today

    clerk, reader = as_role("transport"), as_role("service")
    register(clerk, vehicle(1))
    assert _history(clerk, vehicle(1)) == []  # the flag a vehicle is registered with is no change
    changed = register(clerk, vehicle(1, operating=False, operating_changed_on="2020-05-01"))  # 营转非
    assert changed["operating"] is False
    assert _history(clerk, vehicle(1)) == [("2020-05-01", "operating", "non_operating")]
    last = reader.get("/api/v1/changes", query_string={"limit": 500}).get_json()["items"][-1]
    assert (last["kind"], last["data"]["operating"]) == ("vehicle.upserted", False)

    register(clerk, vehicle(1, operating=False, operating_changed_on="2021-01-01"))  # the same flag: no change
    register(clerk, vehicle(1, operating=True))  # no date sent: dated the day it was recorded
    today = city_today().isoformat()
    assert _history(clerk, vehicle(1)) == [("2020-05-01", "operating", "non_operating"),
                                           (today, "non_operating", "operating")]


@pytest.mark.parametrize(("day", "words"), [("2015-05-31", "before the registration date"),
                                             ("2019-12-31", "before the last change of the flag"),
                                             ("2999-01-01", "after today")])
def test_an_operating_change_dated_out_of_order_is_422_and_changes_nothing(as_role, day, words):
    clerk = as_role("transport")
    register(clerk, vehicle(1))
    register(clerk, vehicle(1, operating=False, operating_changed_on="2020-01-01"))
    response = clerk.put(path(vehicle(1)), json=vehicle(1, operating=True, operating_changed_on=day))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"][0]["field"] == "operating_changed_on"
    assert words in response.get_json()["errors"][0]["reason"]
    assert clerk.get(path(vehicle(1))).get_json()["operating"] is False
    assert len(_history(clerk, vehicle(1))) == 1
