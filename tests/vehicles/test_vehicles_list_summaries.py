"""The month's lists summary (contract V2): added, lifted, in force at month end, enterprises, by area."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.db import session, unit_of_work
from shared.identifiers import uscc_check_character
from tests.vehicles.factories import add_entry, list_entry, plate, register, vehicle
from vehicles.commands.list_summaries import summarise_lists
from vehicles.models import Machine

SUMMARY = "/api/v1/summaries/lists"
ENTRIES = "/api/v1/list-entries"


def company(division: str, serial: int) -> str:
    """A valid credit code registered by the authority of `division`."""
    first17 = f"91{division}{serial:09d}"
    return first17 + uscc_check_character(first17)


@pytest.fixture
def clock(monkeypatch):
    """Set the instant list commands record (created_at, lifted_at)."""

    def set_to(iso: str) -> None:
        instant = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)
        monkeypatch.setattr("vehicles.commands.lists.utcnow", lambda: instant)

    return set_to


def _summary(reader, month: str, area: str | None = None) -> dict:
    query = {"month": month, **({"area": area} if area else {})}
    response = reader.get(SUMMARY, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _counts(rows: list[dict]) -> dict[tuple, int]:
    return {tuple(v for k, v in row.items() if k not in ("count", "reason_zh")): row["count"] for row in rows}


def test_an_entry_recorded_at_city_midnight_on_the_last_utc_day_of_november_is_a_december_one(as_role, clock):
    env, reader = as_role("environment"), as_role("service")
    clock("2025-11-30T15:59:00Z")  # 23:59 on 30 November in Linfen
    add_entry(env, list_entry(1, effective_from="2025-11-30"))
    clock("2025-11-30T16:30:00Z")  # 00:30 on 1 December in Linfen
    add_entry(env, list_entry(2, effective_from="2025-11-30"))
    november, december = _summary(reader, "2025-11"), _summary(reader, "2025-12")
    key = ("blacklist", "roadside_over_emission", "vehicle")
    assert _counts(november["added"]) == {key: 1}
    assert _counts(december["added"]) == {key: 1}
    assert december["added"][0]["reason_zh"] == "路检路查超标排放"
    assert _counts(november["active_at_month_end"]) == {("blacklist", "vehicle"): 1}
    assert _counts(december["active_at_month_end"]) == {("blacklist", "vehicle"): 2}
    assert november["month"] == "2025-11" and november["area"] is None and november["as_of"]


def test_a_future_dated_entry_is_added_in_the_month_it_starts(as_role, clock):
    env, reader = as_role("environment"), as_role("service")
    clock("2025-11-20T02:00:00Z")
    add_entry(env, list_entry(3, effective_from="2025-12-01"))
    assert _summary(reader, "2025-11")["added"] == []
    assert _summary(reader, "2025-11")["active_at_month_end"] == []
    assert _counts(_summary(reader, "2025-12")["added"]) == {("blacklist", "roadside_over_emission", "vehicle"): 1}


def test_lifts_count_in_the_city_month_they_happen_and_a_correction_is_neither_lift_nor_addition(as_role, clock):
    env, reader = as_role("environment"), as_role("service")
    clock("2025-10-10T02:00:00Z")
    early = add_entry(env, list_entry(4, effective_from="2025-10-10"))
    late = add_entry(env, list_entry(5, effective_from="2025-10-10"))
    fixed = add_entry(env, list_entry(6, effective_from="2025-10-10", until="2025-12-31"))
    clock("2025-12-31T15:50:00Z")  # 23:50 on 31 December
    assert env.post(f"{ENTRIES}/{early['id']}/lift", json={"reason": "复检合格"}).status_code == 200
    response = env.post(f"{ENTRIES}/{fixed['id']}/corrections", json={"reason": "期限写错",
                                                                       "changes": {"until": "2026-06-30"}})
    assert response.status_code == 201
    clock("2025-12-31T16:10:00Z")  # 00:10 on 1 January
    assert env.post(f"{ENTRIES}/{late['id']}/lift", json={"reason": "复检合格"}).status_code == 200
    december, january = _summary(reader, "2025-12"), _summary(reader, "2026-01")
    key = ("blacklist", "roadside_over_emission", "vehicle")
    assert _counts(december["lifted"]) == {key: 1} and december["added"] == []
    assert _counts(january["lifted"]) == {key: 1} and january["added"] == []
    # at the end of December: the one lifted in January and the corrected entry (the replaced one is lifted)
    assert _counts(december["active_at_month_end"]) == {("blacklist", "vehicle"): 2}
    assert _counts(january["active_at_month_end"]) == {("blacklist", "vehicle"): 1}
    assert _counts(_summary(reader, "2025-10")["added"]) == {key: 3}


def test_in_force_at_month_end_means_on_its_last_day(as_role, clock):
    env, reader = as_role("environment"), as_role("service")
    clock("2025-12-01T02:00:00Z")
    add_entry(env, list_entry(7, effective_from="2025-12-01", until="2025-12-31"))  # last day included
    add_entry(env, list_entry(8, effective_from="2025-12-01", until="2025-12-30"))  # ended the day before
    add_entry(env, list_entry(9, effective_from="2025-12-01", season="autumn_winter"))  # seasonal: listed all year
    add_entry(env, list_entry(10, effective_from="2025-12-01", list_kind="key_supervision",
                              reason_code="no_online_monitoring"))
    december = _summary(reader, "2025-12")
    assert _counts(december["active_at_month_end"]) == {("blacklist", "vehicle"): 2,
                                                         ("key_supervision", "vehicle"): 1}
    assert _counts(december["added"]) == {("blacklist", "roadside_over_emission", "vehicle"): 3,
                                          ("key_supervision", "no_online_monitoring", "vehicle"): 1}


def test_the_area_is_the_vehicles_district_and_the_enterprises_registering_authority(as_role, clock):
    env, reader = as_role("environment"), as_role("service")
    register(env, vehicle(11, district_code="141002"))  # 尧都区
    register(env, vehicle(12, district_code="141081"))  # 侯马市
    clock("2025-12-05T02:00:00Z")
    add_entry(env, list_entry(11, effective_from="2025-12-05"))
    add_entry(env, list_entry(12, effective_from="2025-12-05"))
    add_entry(env, list_entry(13, effective_from="2025-12-05"))  # not registered here: no area
    yaodu, houma = company("141002", 1), company("141081", 2)
    for uscc in (yaodu, houma):
        add_entry(env, list_entry(0, subject_type="enterprise", plate=..., plate_colour=..., uscc=uscc,
                                  reason_code="fleet_over_emission", list_kind="key_supervision",
                                  effective_from="2025-12-05"))
    clock("2025-10-01T02:00:00Z")
    add_entry(env, list_entry(0, subject_type="enterprise", plate=..., plate_colour=..., uscc=company("141002", 3),
                              reason_code="no_online_monitoring", list_kind="key_supervision",
                              effective_from="2025-10-01", until="2026-03-31"))
    district = _summary(reader, "2025-12", "141002")
    assert district["area"] == "141002"
    assert _counts(district["added"]) == {("blacklist", "roadside_over_emission", "vehicle"): 1,
                                          ("key_supervision", "fleet_over_emission", "enterprise"): 1}
    assert [(e["uscc"], e["added_in_month"]) for e in district["enterprises_listed"]] == [
        (yaodu, True), (company("141002", 3), False)]
    listed = district["enterprises_listed"][1]
    assert listed == {"uscc": company("141002", 3), "list_kind": "key_supervision",
                      "reason_code": "no_online_monitoring", "reason_zh": listed["reason_zh"],
                      "effective_from": "2025-10-01", "until": "2026-03-31", "added_in_month": False}
    city = _summary(reader, "2025-12", "141000")
    assert _counts(city["added"])[("blacklist", "roadside_over_emission", "vehicle")] == 2
    assert {e["uscc"] for e in city["enterprises_listed"]} == {yaodu, houma, company("141002", 3)}
    assert _counts(_summary(reader, "2025-12", "140000")["active_at_month_end"]) == {
        ("blacklist", "vehicle"): 2, ("key_supervision", "enterprise"): 3}
    everywhere = _summary(reader, "2025-12")
    assert _counts(everywhere["active_at_month_end"])[("blacklist", "vehicle")] == 3
    assert _summary(reader, "2025-12", "141023")["added"] == []  # 襄汾县: nothing there
    assert plate(13) not in str(everywhere)  # counts only, no plates


def test_the_rules_answer_without_http(app, as_role, clock):
    env = as_role("environment")
    clock("2025-12-05T02:00:00Z")
    add_entry(env, list_entry(14, effective_from="2025-12-05"))
    with app.app_context():
        answer = summarise_lists(session(), "2025-12", None)
    assert answer["added"][0]["count"] == 1 and answer["lifted"] == []


@pytest.mark.parametrize(("query", "field"), [
    ({"month": "2025-13"}, "month"),
    ({"month": "2025/12"}, "month"),
    ({}, "month"),
    ({"month": "2025-12", "area": "14100"}, "area"),
])
def test_a_bad_month_or_area_is_a_422_naming_the_field(as_role, query, field):
    response = as_role("service").get(SUMMARY, query_string=query)
    assert response.status_code == 422
    assert field in str(response.get_json()["errors"])


def test_police_may_not_read_the_summary(as_role):
    assert as_role("police").get(SUMMARY, query_string={"month": "2025-12"}).status_code == 403


def test_a_machine_is_in_the_area_of_its_registered_district(app, as_role, clock):
    env, reader = as_role("environment"), as_role("service")
    with app.app_context(), unit_of_work() as db_session:
        db_session.add(Machine(code="141002A000001", machine_type="excavator", fuel="diesel",
                               emission_stage="china_2", owner_uscc=company("141002", 4), district_code="141002",
                               registered_on=date(2024, 3, 1), status="active", status_date=date(2024, 3, 1)))
    clock("2025-12-05T02:00:00Z")
    for code in ("141002A000001", "141081A000009"):  # the second is not registered: no area
        add_entry(env, list_entry(0, subject_type="machinery", plate=..., plate_colour=..., code=code,
                                  reason_code="roadside_over_emission", effective_from="2025-12-05"))
    key = ("blacklist", "roadside_over_emission", "machinery")
    assert _counts(_summary(reader, "2025-12", "141000")["added"]) == {key: 1}
    assert _counts(_summary(reader, "2025-12", "141081")["added"]) == {}
    assert _counts(_summary(reader, "2025-12")["added"]) == {key: 2}
