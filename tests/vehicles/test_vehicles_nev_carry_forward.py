"""A lapsed NEV target carries forward (nev_targets.yaml carry_forward) until a later rule starts, and every
target the NEV answers and exports show says whether it is carried forward and when its rule ended."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from shared.db import unit_of_work
from shared.policy import load_rule_file, seed_rules
from tests.factories import policy_rule
from tests.vehicles.factories import register, vehicle
from vehicles.commands.nev import NevTargets
from vehicles.models import PolicyRule

BUS_STOCK = "nev_share.bus_stock"  # 临政办发〔2020〕13号: 100% by 2020-12-31 (2020-03-13..2020-12-31)
BUS_ADDED = "nev_or_clean_share.bus_new_or_replaced"  # 临政办发〔2024〕40号: 100% (2024-12-06..2025-03-31)


@pytest.fixture
def rules(app, db):
    with app.app_context(), unit_of_work() as session:
        seed_rules(session, PolicyRule, load_rule_file("vehicles"))


@pytest.fixture
def fleet(as_role, rules):
    clerk = as_role("transport")
    for serial, fuel, registered in ((1, "battery_electric", "2019-03-01"), (2, "diesel", "2015-01-01"),
                                     (3, "battery_electric", "2025-10-10"), (4, "natural_gas", "2026-01-05")):
        register(clerk, vehicle(serial, body_type="bus", vehicle_class="M3", fuel=fuel, registration_date=registered,
                                operating=True, emission_stage=None if fuel == "battery_electric" else "china_5"))
    return clerk


def _bus(client, as_of: str, **query) -> dict:
    response = client.get(
        "/api/v1/nev/shares", query_string={"jurisdiction": "linfen", "as_of": as_of, "category": "bus", **query}
    )
    assert response.status_code == 200, response.get_json()
    (row,) = response.get_json()["rows"]
    return row


def _target(measure: dict, code: str) -> dict:
    (target,) = [t for t in measure["targets"] if t["code"] == code]
    return target


def test_a_target_in_force_is_not_carried_forward(as_role, fleet):
    row = _bus(as_role("environment"), "2020-12-31")
    stock = _target(row["stock"], BUS_STOCK)
    assert (stock["value"], stock["share"], stock["met"]) == (100.0, 50.0, False)
    assert (stock["carried_forward"], stock["rule_effective_to"]) == (False, "2020-12-31")
    added = _target(_bus(as_role("environment"), "2025-03-31", **{"from": "2024-12-06"})["additions"], BUS_ADDED)
    assert (added["carried_forward"], added["rule_effective_to"]) == (False, "2025-03-31")


def test_after_its_rule_ends_a_target_carries_forward_and_says_until_when(as_role, fleet):
    row = _bus(as_role("environment"), "2025-10-31")
    stock = _target(row["stock"], BUS_STOCK)
    assert (stock["value"], stock["share"], stock["met"]) == (100.0, 66.67, False)
    assert (stock["carried_forward"], stock["rule_effective_to"], stock["source_document"]) == (
        True, "2020-12-31", "临政办发〔2020〕13号")  # fmt: skip
    added = _target(row["additions"], BUS_ADDED)  # 2025-01-01..2025-10-31: the one battery bus of October
    assert (added["value"], added["share"], added["met"]) == (100.0, 100.0, True)
    assert (added["carried_forward"], added["rule_effective_to"]) == (True, "2025-03-31")


def test_the_trend_and_the_exports_mark_the_months_a_target_is_carried(as_role, fleet):
    client = as_role("environment")
    query = {"jurisdiction": "linfen", "category": "bus", "from_month": "2025-03", "to_month": "2025-04"}
    months = {m["month"]: m for m in client.get("/api/v1/nev/trend", query_string=query).get_json()["months"]}
    march, april = (_target(months[m]["additions"], BUS_ADDED) for m in ("2025-03", "2025-04"))
    assert (march["carried_forward"], april["carried_forward"]) == (False, True)
    assert april["rule_effective_to"] == "2025-03-31"
    export = client.get("/api/v1/nev/trend/export", query_string={**query, "format": "csv"})
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    export.close()
    assert "沿用" not in rows[1][8] and "沿用（原规定至2025-03-31止）" in rows[2][8]
    shares = client.get("/api/v1/nev/shares/export",
                        query_string={"jurisdiction": "linfen", "as_of": "2025-10-31", "format": "csv"})  # fmt: skip
    bus_row = next(r for r in csv.reader(io.StringIO(shares.data.decode("utf-8-sig"))) if r[0].endswith(" bus"))
    shares.close()
    assert "沿用（原规定至2020-12-31止）" in bus_row[5] and "沿用（原规定至2025-03-31止）" in bus_row[11]


def test_a_later_rule_replaces_the_carried_target_from_the_day_it_starts(as_role, fleet):
    clerk = as_role("transport")
    rule = policy_rule(code=BUS_STOCK, subject="buses in the city built-up area (example 2026 plan)", value="90",
                       value_date="2026-12-31", effective_from="2026-01-01", source_document="临政办发〔2026〕1号",
                       description="A 2026 plan's bus NEV stock share (example).")  # fmt: skip
    assert clerk.post("/api/v1/policy-rules", json=rule).status_code == 201
    before = _target(_bus(clerk, "2025-12-31")["stock"], BUS_STOCK)
    after = _target(_bus(clerk, "2026-01-01")["stock"], BUS_STOCK)
    assert (before["value"], before["carried_forward"], before["rule_effective_to"]) == (100.0, True, "2020-12-31")
    assert (after["value"], after["carried_forward"], after["rule_effective_to"]) == (90.0, False, None)
    assert after["source_document"] == "临政办发〔2026〕1号" and after["rule_id"] != before["rule_id"]
    query = {"jurisdiction": "linfen", "category": "bus", "from_month": "2025-12", "to_month": "2026-01"}
    months = clerk.get("/api/v1/nev/trend", query_string=query).get_json()["months"]
    assert [(_target(m["stock"], BUS_STOCK)["value"], _target(m["stock"], BUS_STOCK)["carried_forward"])
            for m in months] == [(100.0, True), (90.0, False)]  # fmt: skip


def test_a_later_rule_under_another_code_of_the_category_replaces_the_carried_one(as_role, rules):
    clerk = as_role("transport")  # Linfen's 2020 taxi target counts battery-electric only (bev_share)
    rule = policy_rule(code="nev_share.taxi_stock", subject="taxis in the urban district (example 2026 plan)",
                       value="90", effective_from="2026-01-01", source_document="临政办发〔2026〕1号",
                       description="A 2026 plan's taxi NEV stock share (example).")  # fmt: skip
    assert clerk.post("/api/v1/policy-rules", json=rule).status_code == 201

    def taxi_targets(as_of: str) -> list[tuple]:
        response = clerk.get("/api/v1/nev/shares",
                             query_string={"jurisdiction": "linfen", "as_of": as_of, "category": "taxi"})  # fmt: skip
        (row,) = response.get_json()["rows"]
        return [(t["code"], t["value"], t["carried_forward"]) for t in row["stock"]["targets"]]

    assert taxi_targets("2025-12-31") == [("bev_share.taxi_stock", 100.0, True)]
    assert taxi_targets("2026-01-01") == [("nev_share.taxi_stock", 90.0, False)]


def test_with_carry_forward_off_a_lapsed_target_judges_nothing(app, rules):
    with app.app_context(), unit_of_work():
        off = NevTargets("linfen", ["bus"], date(2025, 10, 31), carry_forward=False)
        on = NevTargets("linfen", ["bus"], date(2025, 10, 31), carry_forward=True)
        assert off.in_force("bus", "stock", date(2025, 10, 31)) == []
        assert off.in_force("bus", "stock", date(2020, 12, 31))[0].rule.code == BUS_STOCK
        (carried,) = on.in_force("bus", "stock", date(2025, 10, 31))
        assert (carried.rule.effective_to, carried.carried_forward) == (date(2020, 12, 31), True)


def test_the_openapi_documents_the_carry_forward_of_each_nev_target(client):
    spec = client.get("/openapi.json").get_json()
    properties = spec["components"]["schemas"]["Target"]["properties"]
    assert properties["carried_forward"]["type"] == "boolean" and "沿用" in properties["carried_forward"]["description"]
    assert properties["rule_effective_to"]["format"] == "date"
