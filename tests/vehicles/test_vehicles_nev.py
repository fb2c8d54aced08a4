"""NEV share of public fleets: stock share on a day, additions share over a period, against dated targets."""

from __future__ import annotations

import csv
import io

import pytest

from shared.db import unit_of_work
from shared.policy import load_rule_file, seed_rules
from tests.vehicles.factories import change_status, plate, register, vehicle
from vehicles.models import PolicyRule


@pytest.fixture
def rules(app, db):
    with app.app_context(), unit_of_work() as session:
        seed_rules(session, PolicyRule, load_rule_file("vehicles"))


def bus(serial, fuel, registered, **extra):
    return vehicle(
        serial,
        body_type="bus",
        vehicle_class="M3",
        fuel=fuel,
        registration_date=registered,
        operating=True,
        emission_stage=None if fuel == "battery_electric" else "china_5",
        **extra,
    )


@pytest.fixture
def buses(as_role, rules):
    clerk = as_role("transport")
    fleet = [
        bus(1, "battery_electric", "2019-03-01"),
        bus(2, "battery_electric", "2019-04-01"),
        bus(3, "battery_electric", "2019-05-01", district_code="141081"),
        bus(4, "diesel", "2015-01-01"),
        bus(5, "diesel", "2014-01-01"),
        bus(6, "battery_electric", "2020-07-15"),
        vehicle(
            7,
            body_type="taxi",
            vehicle_class="M1",
            fuel="battery_electric",
            registration_date="2019-01-01",
            emission_stage=None,
            plate_colour="green",
        ),
        vehicle(
            8,
            body_type="taxi",
            vehicle_class="M1",
            fuel="battery_electric",
            registration_date="2019-01-01",
            emission_stage=None,
            plate_colour="green",
        ),
        vehicle(
            9,
            body_type="taxi",
            vehicle_class="M1",
            fuel="plug_in_hybrid",
            registration_date="2019-01-01",
            emission_stage="china_6a",
            plate_colour="green",
        ),
    ]
    for body in fleet:
        register(clerk, body)
    assert change_status(clerk, fleet[4], "scrapped", "2020-06-01").status_code == 201
    return fleet


def _shares(client, **query):
    response = client.get("/api/v1/nev/shares", query_string={"jurisdiction": "linfen", **query})
    assert response.status_code == 200, response.get_json()
    return {(r["category"], r["district_code"]): r for r in response.get_json()["rows"]}


def test_stock_share_counts_active_vehicles_on_the_day_against_the_plan_target(buses, as_role):
    rows = _shares(as_role("environment"), as_of="2020-12-31", category="bus")
    stock = rows[("bus", None)]["stock"]
    assert (stock["total"], stock["nev"], stock["share"]) == (5, 4, 80.0)
    (target,) = stock["targets"]
    assert (target["code"], target["value"], target["met"], target["source_document"]) == (
        "nev_share.bus_stock",
        100.0,
        False,
        "临政办发〔2020〕13号",
    )
    before = _shares(as_role("environment"), as_of="2020-05-31", category="bus")[("bus", None)]["stock"]
    assert (before["total"], before["nev"]) == (5, 3), "the scrapped bus still counted before it was scrapped"


def test_linfen_taxis_are_judged_on_battery_electric_only(buses, as_role):
    stock = _shares(as_role("environment"), as_of="2020-12-31", category="taxi")[("taxi", None)]["stock"]
    assert (stock["share"], stock["bev"]) == (100.0, 2)
    (target,) = stock["targets"]
    assert (target["basis"], target["share"], target["met"]) == ("bev_share", 66.67, False)


def test_additions_share_counts_replacements_and_uses_the_2024_target(buses, as_role):
    clerk = as_role("transport")
    register(clerk, bus(20, "battery_electric", "2024-12-06"))
    register(clerk, bus(21, "natural_gas", "2025-03-31", replaces_plate=plate(4), replaces_plate_colour="yellow"))
    register(clerk, bus(22, "diesel", "2024-12-05"))  # the day before the period
    register(
        clerk, vehicle(23, body_type="sanitation", vehicle_class="N2", fuel="diesel", registration_date="2025-01-10")
    )
    rows = _shares(clerk, as_of="2025-03-31", **{"from": "2024-12-06", "to": "2025-03-31"})
    added = rows[("bus", None)]["additions"]
    assert (added["total"], added["replacements"], added["nev"], added["nev_or_clean"]) == (2, 1, 1, 2)
    assert added["share"] == 50.0
    (target,) = added["targets"]
    assert (target["code"], target["share"], target["met"]) == ("nev_or_clean_share.bus_new_or_replaced", 100.0, True)
    sanitation = rows[("sanitation", None)]["additions"]
    assert (sanitation["total"], sanitation["targets"][0]["met"]) == (1, False)
    assert rows[("official_car", None)]["additions"] == {
        "total": 0,
        "nev": 0,
        "nev_or_clean": 0,
        "bev": 0,
        "share": None,
        "replacements": 0,
        "targets": [],
    }


def test_shares_per_district(buses, as_role):
    rows = _shares(as_role("environment"), as_of="2020-12-31", category="bus", by="district")
    assert {k: (r["stock"]["total"], r["stock"]["nev"]) for k, r in rows.items()} == {
        ("bus", "141002"): (4, 3),
        ("bus", "141081"): (1, 1),
    }
    assert rows[("bus", "141081")]["district_name"] == "侯马市"


def test_the_monthly_trend_follows_registrations_and_scrappings(buses, as_role):
    response = as_role("environment").get(
        "/api/v1/nev/trend",
        query_string={"jurisdiction": "linfen", "category": "bus", "from_month": "2020-04", "to_month": "2020-07"},
    )
    months = response.get_json()["months"]
    assert [(m["month"], m["stock"]["total"], m["stock"]["nev"], m["additions"]["total"]) for m in months] == [
        ("2020-04", 5, 3, 0),
        ("2020-05", 5, 3, 0),
        ("2020-06", 4, 3, 0),
        ("2020-07", 5, 4, 1),
    ]
    assert months[-1]["stock"]["targets"][0]["code"] == "nev_share.bus_stock"
    export = as_role("environment").get(
        "/api/v1/nev/trend/export",
        query_string={
            "jurisdiction": "linfen",
            "category": "bus",
            "from_month": "2020-04",
            "to_month": "2020-07",
            "format": "csv",
        },
    )
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    export.close()
    assert [r[:3] for r in rows[1:]] == [
        ["2020-04", "5", "3"],
        ["2020-05", "5", "3"],
        ["2020-06", "4", "3"],
        ["2020-07", "5", "4"],
    ]


def test_the_shares_export_has_a_row_per_category(buses, as_role):
    export = as_role("environment").get(
        "/api/v1/nev/shares/export", query_string={"jurisdiction": "linfen", "as_of": "2020-12-31", "format": "csv"}
    )
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    export.close()
    assert len(rows) == 1 + 8
    bus_row = next(r for r in rows if r[0].endswith(" bus"))
    assert bus_row[2:5] == ["5", "4", "80.0"] and bus_row[6] == "否"


@pytest.mark.parametrize(
    ("path", "query", "field", "words"),
    [
        (
            "/api/v1/nev/shares",
            {"jurisdiction": "linfen", "as_of": "2020-01-01", "category": "tram"},
            "category",
            "muck_truck",
        ),
        ("/api/v1/nev/shares", {"as_of": "2020-01-01"}, "jurisdiction", "required"),
        (
            "/api/v1/nev/shares",
            {"jurisdiction": "linfen", "as_of": "2020-01-01", "from": "2020-02-01"},
            "from",
            "after",
        ),
        (
            "/api/v1/nev/trend",
            {"jurisdiction": "linfen", "category": "bus", "from_month": "2020-13", "to_month": "2021-01"},
            "from_month",
            "YYYY-MM",
        ),
        (
            "/api/v1/nev/shares/export",
            {"jurisdiction": "linfen", "as_of": "2020-01-01", "format": "pdf"},
            "format",
            "csv",
        ),
    ],
)
def test_bad_share_queries_are_422_naming_the_field(as_role, path, query, field, words):
    response = as_role("environment").get(path, query_string=query)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["errors"][0]
    assert error["field"] == field and words in error["reason"]
