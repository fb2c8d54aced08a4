"""The list rules: a failed test not repaired by its deadline blacklists the vehicle; ≥10 % of a fleet failing
lists the enterprise. Boundaries on the deadline day and at exactly 10 %; running again adds nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from shared.timeutil import local_date
from tests.vehicles.factories import plate, register, uscc, vehicle
from vehicles.commands.emission_tests import RunListRules
from vehicles.list_rules import fleet_share_reached, repair_deadline

TESTS = "/api/v1/emission-tests"


def _test(client, ref, serial, day, passed, kind="roadside"):
    body = {"test_ref": ref, "plate": plate(serial), "plate_colour": "yellow", "kind": kind, "tested_on": day,
            "passed": passed, "station": "临汾检测站"}
    response = client.post(TESTS, json=body)
    assert response.status_code in (200, 201), response.get_json()
    return response


# Tests are dated a little before today: recording one runs the rules as of today, which must not fire yet.
FAILED_ON = local_date(datetime.now(UTC)) - timedelta(days=10)


def _day(offset: int) -> str:
    return str(FAILED_ON + timedelta(days=offset))


def _run(app, day):
    with app.app_context():
        return RunListRules(date.fromisoformat(day)).run()


def _entries(client, **query):
    return client.get("/api/v1/list-entries", query_string=query).get_json()["items"]


def test_the_deadline_is_the_failure_day_plus_the_repair_days_and_ten_percent_exactly_counts():
    assert repair_deadline(date(2026, 3, 1), 30) == date(2026, 3, 31)
    assert fleet_share_reached(1, 10, 10) and not fleet_share_reached(1, 11, 10) and not fleet_share_reached(0, 0, 10)


def test_a_failure_not_repaired_by_the_deadline_blacklists_once(app, as_role):
    env = as_role("environment")
    register(env, vehicle(1, owner_uscc=None))  # a person's truck: no fleet rule
    _test(env, "R-1", 1, _day(0), False)
    assert _entries(env, plate=plate(1)) == []
    assert _run(app, _day(30)).made == []  # the deadline day itself: still time to pass
    report = _run(app, _day(31))
    (made,) = report.made
    assert made["reason_code"] == "not_repaired_in_time" and made["evidence"] == ["R-1"]
    assert "R-1" in made["rule"] and _day(30) in made["rule"]
    (entry,) = _entries(env, plate=plate(1))
    assert entry["list_kind"] == "blacklist" and entry["effective_from"] == _day(31)
    assert entry["rule_key"] == "not_repaired:R-1"
    assert _run(app, _day(32)).made == []  # idempotent
    feed = as_role("service").get("/api/v1/changes", query_string={"limit": 1000}).get_json()["items"]
    assert [i["data"]["entry_id"] for i in feed if i["kind"] == "list_entry.added"] == [entry["id"]]


def test_a_pass_on_the_deadline_day_repairs_and_a_later_pass_does_not(app, as_role):
    env = as_role("environment")
    # passes first: recording a failure long past its deadline runs the rules at once
    _test(env, "P-2", 2, _day(0), True)  # the deadline day of R-2
    _test(env, "R-2", 2, _day(-30), False)
    _test(env, "P-3", 3, _day(0), True)  # a day late for R-3
    _test(env, "R-3", 3, _day(-31), False)
    assert _entries(env, plate=plate(2)) == []
    assert [e["evidence"] for e in _entries(env, plate=plate(3))] == [["R-3"]]
    assert _run(app, _day(5)).made == []


def test_ten_percent_of_a_fleet_failing_lists_the_enterprise_and_less_does_not(app, as_role):
    env = as_role("environment")
    for serial in range(10, 20):  # ten vehicles of uscc(1)
        register(env, vehicle(serial, owner_uscc=uscc(1)))
    for serial in range(20, 31):  # eleven of uscc(2)
        register(env, vehicle(serial, owner_uscc=uscc(2)))
    _test(env, "F-10", 10, _day(0), False)
    _test(env, "F-10b", 10, _day(1), False)  # the same vehicle twice counts once
    _test(env, "F-20", 20, _day(0), False)
    _test(env, "P-21", 21, _day(0), True)
    # recording F-10 already ran the rules for uscc(1) as of today; uscc(2) has 1 of 11 (9.1 %)
    listed = _entries(env, uscc=uscc(1))
    assert len(listed) == 1 and "1 of 10 vehicles" in listed[0]["note"]
    assert _entries(env, uscc=uscc(2)) == []
    assert [m for m in _run(app, _day(2)).made if m["reason_code"] == "fleet_over_emission"] == []
    listed = _entries(env, uscc=uscc(1))
    assert listed[0]["list_kind"] == "key_supervision"
    assert as_role("enterprise", uscc=uscc(1)).get("/api/v1/list-entries").get_json()["items"][0]["id"] == (
        listed[0]["id"])


def test_the_fleet_window_ends_a_year_after_the_failure(app, as_role):
    env = as_role("environment")
    register(env, vehicle(50, owner_uscc=uscc(5)))
    today = 10  # _day(10) is today
    _test(env, "F-50", 50, _day(today - 364), False)  # recording it ran the rules as of today: inside the window
    (entry,) = _entries(env, uscc=uscc(5))
    env.post(f"/api/v1/list-entries/{entry['id']}/lift", json={"reason": "整改完成"})
    assert all(m["subject_key"] != uscc(5) for m in _run(app, _day(today + 1)).made)  # 365 days after: out
    assert [m["subject_key"] for m in _run(app, _day(today)).made if m["subject_key"] == uscc(5)] == [uscc(5)]


def test_recording_a_test_runs_the_rules_for_that_vehicle_and_a_resent_report_is_the_same(as_role):
    env = as_role("environment")
    register(env, vehicle(40, owner_uscc=uscc(3)))
    first = _test(env, "R-40", 40, "2020-01-01", False)
    assert first.status_code == 201
    assert _test(env, "R-40", 40, "2020-01-01", False).status_code == 200
    changed = env.post(TESTS, json={"test_ref": "R-40", "plate": plate(40), "plate_colour": "yellow",
                                    "kind": "roadside", "tested_on": "2020-01-01", "passed": True, "station": "x"})
    assert changed.status_code == 409
    # the failure of 2020 is long overdue today (blacklisted), but years outside the fleet rule's window
    reasons = sorted(e["reason_code"] for e in _entries(env))
    assert reasons == ["not_repaired_in_time"]
    bad = env.post(TESTS, json={"test_ref": "x", "plate": plate(41), "plate_colour": "yellow", "kind": "smell",
                                "tested_on": "2026-01-01", "passed": False, "station": "x"})
    assert bad.status_code == 422 and "remote_sensing" in bad.get_json()["errors"][0]["reason"]
    future = env.post(TESTS, json={"test_ref": "y", "plate": plate(41), "plate_colour": "yellow", "kind": "obd",
                                   "tested_on": _day(30), "passed": False, "station": "x"})
    assert future.status_code == 422 and future.get_json()["errors"][0]["field"] == "tested_on"
