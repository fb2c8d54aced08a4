"""Phase-out progress as of a day: baseline, eliminated (scrapped, deregistered, moved, upgraded), overdue."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.vehicles.factories import change_status, path, plate, register, uscc, vehicle

PLAN = "linfen_2020_china3"  # 临政办发〔2020〕13号: baseline 2020-03-13, deadline 2020-10-31, 国三 and below


@pytest.fixture
def fleet(as_role):
    """Ten trucks around the Linfen 2020 plan's edges."""
    clerk = as_role("transport")
    trucks = {
        "scrapped": vehicle(1, emission_stage="china_3", registration_date="2015-01-01"),
        "remains": vehicle(2, emission_stage="国三", registration_date="2012-01-01", owner_uscc=uscc(2)),
        "inferred_moved": vehicle(3, emission_stage=..., registration_date="2010-01-01", district_code="141081"),
        "day_before_deadline": vehicle(4, emission_stage="china_3", registration_date="2020-10-30"),
        "upgraded": vehicle(5, emission_stage="china_2", registration_date="2006-01-01"),
        "china_4": vehicle(6, emission_stage="china_4"),
        "not_operating": vehicle(7, emission_stage="china_3", operating=False),
        "light": vehicle(8, emission_stage="china_3", vehicle_class="N1", body_type="van"),
        "gone_before_baseline": vehicle(9, emission_stage="china_3", registration_date="2009-01-01"),
        "plate_void": vehicle(10, emission_stage="china_3", vehicle_class="N2", body_type="dump"),
    }
    for body in trucks.values():
        register(clerk, body)
    assert change_status(clerk, trucks["scrapped"], "scrapped", "2020-06-01").status_code == 201
    assert change_status(clerk, trucks["inferred_moved"], "transferred_out", "2020-11-15").status_code == 201
    assert change_status(clerk, trucks["gone_before_baseline"], "deregistered", "2020-03-12").status_code == 201
    assert change_status(clerk, trucks["plate_void"], "plate_void", "2020-05-01").status_code == 201
    upgrade = {"emission_stage": "china_5", "effective_date": "2020-08-01", "reason": "new engine"}
    assert clerk.post(path(trucks["upgraded"]) + "/stage-upgrades", json=upgrade).status_code == 201
    return trucks


def _progress(client, as_of, **extra):
    response = client.get("/api/v1/phaseout/progress", query_string={"plan": PLAN, "as_of": as_of, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_progress_on_the_deadline_day_counts_the_late_registration_and_nothing_overdue(fleet, as_role):
    body = _progress(as_role("environment"), "2020-10-31")
    city = body["city"]
    assert (city["baseline"], city["added_since_baseline"]) == (5, 1)
    assert (city["eliminated"], city["remaining"], city["overdue"]) == (2, 4, 0)
    assert city["eliminated_by"] == {"scrapped": 1, "deregistered": 0, "transferred_out": 0, "upgraded": 1}
    assert city["percent_done"] == pytest.approx(33.33)
    assert (body["days_to_deadline"], body["deadline_passed"]) == (0, False)
    assert body["plan"]["source_document"] == "临政办发〔2020〕13号"


def test_the_day_after_the_deadline_every_remaining_vehicle_is_overdue(fleet, as_role):
    body = _progress(as_role("environment"), "2020-11-01")
    assert (body["city"]["remaining"], body["city"]["overdue"], body["days_to_deadline"]) == (4, 4, -1)
    later = _progress(as_role("environment"), "2020-12-01")["city"]
    assert (later["eliminated"], later["remaining"], later["eliminated_by"]["transferred_out"]) == (3, 3, 1)


def test_before_the_upgrade_and_the_scrapping_they_still_count_as_remaining(fleet, as_role):
    city = _progress(as_role("environment"), "2020-05-31")["city"]
    assert (city["baseline"], city["added_since_baseline"], city["eliminated"], city["remaining"]) == (5, 0, 0, 5)


def test_progress_per_district_and_per_owner(fleet, as_role):
    by_district = _progress(as_role("transport"), "2020-12-01", by="district")["groups"]
    assert [(g["key"], g["name"], g["baseline"], g["eliminated"], g["remaining"]) for g in by_district] == [
        ("141002", "尧都区", 4, 2, 3),
        ("141081", "侯马市", 1, 1, 0),
    ]
    by_owner = _progress(as_role("transport"), "2020-12-01", by="owner")["groups"]
    assert {g["key"]: g["remaining"] for g in by_owner} == {uscc(1): 2, uscc(2): 1}


def test_the_remaining_list_drills_down_and_exports_to_xlsx(fleet, as_role):
    reader = as_role("police")
    query = {"plan": PLAN, "as_of": "2020-11-01", "limit": 2}
    first = reader.get("/api/v1/phaseout/remaining", query_string=query).get_json()
    second = reader.get("/api/v1/phaseout/remaining", query_string={**query, "cursor": first["next_cursor"]}).get_json()
    plates = [v["plate"] for v in first["items"] + second["items"]]
    assert plates == [plate(2), plate(3), plate(4), plate(10)] and second["next_cursor"] is None
    in_houma = reader.get("/api/v1/phaseout/remaining", query_string={**query, "district_code": "141081"}).get_json()
    assert [v["plate"] for v in in_houma["items"]] == [plate(3)]
    export = reader.get("/api/v1/phaseout/remaining.xlsx", query_string={"plan": PLAN, "as_of": "2020-11-01"})
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    data = export.data
    export.close()  # a streamed response holds its request (and database session) until closed, as a server does
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    districts = list(book.worksheets[1].iter_rows(values_only=True))
    assert [(r[0], r[4], r[6]) for r in districts[1:]] == [("141002 尧都区", 3, 3), ("141081 侯马市", 1, 1)]
    rows = list(book.worksheets[2].iter_rows(values_only=True))
    assert sorted(r[0] for r in rows[1:]) == [plate(2), plate(3), plate(4), plate(10)]
    assert {r[-1] for r in rows[1:]} == {"是"}, "after the deadline every remaining vehicle is marked overdue"


def test_the_china_iv_plan_has_no_deadline_and_counts_light_trucks(fleet, as_role):
    body = (
        as_role("environment")
        .get("/api/v1/phaseout/progress", query_string={"plan": "linfen_2024_china4", "as_of": "2025-01-01"})
        .get_json()
    )
    assert body["days_to_deadline"] is None and body["city"]["overdue"] == 0
    # china_4 + light 国三 + remaining 国三 trucks (the upgraded one is 国五 now; scrapped / moved / void ones left)
    assert body["city"]["remaining"] == 5


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"plan": PLAN, "as_of": "2020-03-12"}, 422, "as_of"),
        ({"plan": PLAN, "as_of": "2020-13-01"}, 422, "as_of"),
        ({"plan": PLAN, "as_of": "2020-11-01", "by": "province"}, 422, "by"),
        ({"plan": "mars_2030", "as_of": "2020-11-01"}, 404, None),
    ],
)
def test_bad_progress_queries(as_role, query, status, field):
    response = as_role("environment").get("/api/v1/phaseout/progress", query_string=query)
    assert response.status_code == status
    if field:
        assert response.get_json()["errors"][0]["field"] == field
    else:
        assert "linfen_2020_china3" in response.get_json()["detail"]


def test_plans_carry_their_source(as_role):
    plans = {p["code"]: p for p in as_role("police").get("/api/v1/phaseout/plans").get_json()}
    assert set(plans) == {"linfen_2020_china3", "taiyuan_2020_china3", "linfen_2024_china4"}
    assert (plans["taiyuan_2020_china3"]["deadline"], plans["taiyuan_2020_china3"]["source_item"]) == (
        "2020-12-31",
        "二(三) item 13",
    )


def test_plans_can_be_listed_as_in_force_on_a_day_or_by_city(as_role):
    reader = as_role("police")
    in_force = reader.get("/api/v1/phaseout/plans", query_string={"as_of": "2025-01-01"}).get_json()
    assert [p["code"] for p in in_force] == ["linfen_2024_china4"]
    assert in_force[0]["effective_to"] == "2025-03-31"
    taiyuan = reader.get("/api/v1/phaseout/plans", query_string={"jurisdiction": "taiyuan"}).get_json()
    assert [p["code"] for p in taiyuan] == ["taiyuan_2020_china3"]


def test_a_plan_with_a_yearly_quota_reports_this_years_eliminations_against_it(fleet, app, as_role):
    from sqlalchemy import select

    from shared.db import unit_of_work
    from vehicles.models import PhaseoutPlan

    with app.app_context(), unit_of_work() as session:
        plan = session.scalars(select(PhaseoutPlan).where(PhaseoutPlan.code == PLAN)).one()
        plan.quotas = [{"year": 2020, "count": 4, "source_item": "a provincial quota letter"}]
    quota = _progress(as_role("environment"), "2020-12-01")["quota"]
    assert quota == {"year": 2020, "count": 4, "eliminated_this_year": 3, "percent_done": 75.0,
                     "source_item": "a provincial quota letter"}
    assert _progress(as_role("environment"), "2021-01-05")["quota"] is None
