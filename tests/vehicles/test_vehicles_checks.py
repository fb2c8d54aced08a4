"""Police checks: facts, blacklist, bans now and why, likely plates, bulk in order, and the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from shared.timeutil import local_date
from tests.vehicles.factories import add_entry, change_status, list_entry, plate, register, vehicle
from vehicles.list_rules import check_day, entry_in_force, in_season, valid_month_day

CHECK, BULK, LOG = "/api/v1/checks", "/api/v1/checks/bulk", "/api/v1/checks/log"


def _today() -> date:
    return local_date(datetime.now(UTC))


def _mmdd(day: date) -> str:
    return day.strftime("%m-%d")


# ---- pure rules: boundary days in Asia/Shanghai ----------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2026-09-30", False), ("2026-10-01", True), ("2026-12-31", True), ("2027-01-01", True),
     ("2027-03-31", True), ("2027-04-01", False), ("2026-07-15", False)],
)
def test_the_autumn_winter_season_includes_both_ends_and_wraps_the_new_year(day, expected):
    assert in_season(date.fromisoformat(day), "10-01", "03-31") is expected


def test_a_season_within_one_year_includes_both_ends():
    assert in_season(date(2026, 6, 1), "06-01", "08-31") and in_season(date(2026, 8, 31), "06-01", "08-31")
    assert not in_season(date(2026, 9, 1), "06-01", "08-31") and not in_season(date(2026, 5, 31), "06-01", "08-31")


def test_the_check_day_is_the_shanghai_calendar_day():
    # 2026-09-30T16:00Z is midnight of 10-01 in Shanghai: the season has begun there.
    assert check_day(datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)) == date(2026, 9, 30)
    assert check_day(datetime(2026, 9, 30, 16, 0, tzinfo=UTC)) == date(2026, 10, 1)
    assert check_day(datetime(2027, 3, 31, 15, 59, 59, tzinfo=UTC)) == date(2027, 3, 31)
    assert not in_season(check_day(datetime(2027, 3, 31, 16, 0, tzinfo=UTC)), "10-01", "03-31")


def test_an_entry_is_in_force_from_its_first_to_its_last_day_until_lifted():
    now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    entry = SimpleNamespace(effective_from=date(2026, 11, 26), until=date(2026, 11, 26), lifted_at=None)
    assert entry_in_force(entry, date(2026, 11, 26), now)
    assert not entry_in_force(entry, date(2026, 11, 25), now)
    assert not entry_in_force(entry, date(2026, 11, 27), now)
    entry.lifted_at = now
    assert not entry_in_force(entry, date(2026, 11, 26), now)
    entry.lifted_at = now + timedelta(seconds=1)
    assert entry_in_force(entry, date(2026, 11, 26), now)


def test_month_days_are_checked_against_the_calendar():
    assert valid_month_day("02-29") and valid_month_day("12-31")
    assert not valid_month_day("04-31") and not valid_month_day("13-01") and not valid_month_day("1-01")


# ---- the single check --------------------------------------------------------------------------------


def test_a_blacklisted_vehicle_is_answered_with_its_facts_and_reasons(as_role):
    env, police = as_role("environment"), as_role("police")
    register(env, vehicle(1))
    entry = add_entry(env, list_entry(1, reason_code="obd_tampering"))
    answer = police.post(CHECK, json={"plate": " 晋l·0000１ "}).get_json()
    assert answer["query"]["plate"] == plate(1) and answer["found"] is True
    assert answer["blacklisted"] is True and answer["banned"] is True
    (subject,) = answer["subjects"]
    assert subject["vehicle"]["emission_stage"] == "china_4" and subject["vehicle"]["owner_uscc"]
    assert [(e["id"], e["reason_code"], e["reason_zh"]) for e in subject["entries"]] == [
        (entry["id"], "obd_tampering", "破坏篡改车载诊断系统(OBD)")
    ]
    assert [b["code"] for b in subject["ban_reasons"]] == ["blacklist"]
    assert "黑名单" in subject["ban_reasons"][0]["zh"] and answer["suggestions"] == []


def test_a_clean_vehicle_is_found_and_not_banned(as_role):
    env, police = as_role("environment"), as_role("police")
    register(env, vehicle(2))
    answer = police.post(CHECK, json={"plate": plate(2), "plate_colour": "黄"}).get_json()
    assert answer["found"] and not answer["blacklisted"] and not answer["banned"]
    assert answer["subjects"][0]["ban_reasons"] == [] and answer["subjects"][0]["entries"] == []


def test_a_seasonal_entry_bans_only_inside_its_season_but_lists_all_year(as_role):
    env, police = as_role("environment"), as_role("police")
    today = _today()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    add_entry(env, list_entry(3, seasonal_scope={"from": _mmdd(today), "to": _mmdd(today)}))
    add_entry(env, list_entry(4, seasonal_scope={"from": _mmdd(tomorrow), "to": _mmdd(yesterday)}))
    inside = police.post(CHECK, json={"plate": plate(3)}).get_json()
    outside = police.post(CHECK, json={"plate": plate(4)}).get_json()
    assert inside["blacklisted"] and inside["banned"]
    assert inside["subjects"][0]["ban_reasons"][0]["code"] == "seasonal_ban"
    assert inside["subjects"][0]["entries"][0]["in_season"] is True
    assert outside["blacklisted"] and not outside["banned"]
    assert outside["subjects"][0]["entries"][0]["in_season"] is False


def test_entry_dates_bound_the_blacklist_on_the_first_and_last_day(as_role):
    env, police = as_role("environment"), as_role("police")
    today = _today()
    add_entry(env, list_entry(5, effective_from=str(today - timedelta(days=30)), until=str(today)))
    add_entry(env, list_entry(6, effective_from=str(today - timedelta(days=30)), until=str(today - timedelta(1))))
    add_entry(env, list_entry(7, effective_from=str(today)))
    add_entry(env, list_entry(8, effective_from=str(today + timedelta(days=1))))
    results = police.post(BULK, json={"items": [{"plate": plate(n)} for n in (5, 6, 7, 8)]}).get_json()["items"]
    assert [r["blacklisted"] for r in results] == [True, False, True, False]


def test_key_supervision_is_reported_but_bans_nothing_and_a_lifted_entry_is_gone(as_role):
    env, police = as_role("environment"), as_role("police")
    register(env, vehicle(9))
    add_entry(env, list_entry(9, list_kind="key_supervision", reason_code="no_online_monitoring"))
    lifted = add_entry(env, list_entry(9, reason_code="device_removed"))
    env.post(f"/api/v1/list-entries/{lifted['id']}/lift", json={"reason": "已恢复装置"})
    answer = police.post(CHECK, json={"plate": plate(9)}).get_json()
    assert answer["key_supervised"] and not answer["blacklisted"] and not answer["banned"]
    assert [e["list_kind_zh"] for e in answer["subjects"][0]["entries"]] == ["重点监管"]


def test_void_plates_scrapped_vehicles_and_overdue_phaseout_are_banned(as_role):
    env, police = as_role("environment"), as_role("police")
    register(env, vehicle(10))
    change_status(env, vehicle(10), "plate_void", "2024-05-01")
    register(env, vehicle(11, emission_stage="china_3"))  # operating N3 diesel: linfen deadline 2020-10-31
    register(env, vehicle(12, emission_stage="china_3", operating=False))  # out of the plan's scope
    register(env, vehicle(13, emission_stage="china_3", district_code="140105"))  # Taiyuan: deadline 2020-12-31
    register(env, vehicle(14, emission_stage="china_3", district_code="130102"))  # no plan covers Hebei here
    results = police.post(BULK, json={"items": [{"plate": plate(n)} for n in range(10, 15)]}).get_json()["items"]
    codes = [[b["code"] for b in r["subjects"][0]["ban_reasons"]] for r in results]
    assert codes == [["plate_void"], ["phaseout_overdue"], [], ["phaseout_overdue"], []]
    assert "linfen_2020_china3" in results[1]["subjects"][0]["ban_reasons"][0]["detail"]
    assert results[1]["subjects"][0]["ban_reasons"][0]["source"] == "临政办发〔2020〕13号 四(三) item 15"


def test_a_listed_plate_not_in_the_registry_is_still_found(as_role):
    env, police = as_role("environment"), as_role("police")
    add_entry(env, list_entry(15, plate="冀A12345"))
    answer = police.post(CHECK, json={"plate": "冀a12345"}).get_json()
    assert answer["found"] and answer["blacklisted"]
    assert answer["subjects"][0]["registered"] is False and answer["subjects"][0]["vehicle"] is None


def test_the_colour_narrows_the_answer_to_one_vehicle(as_role):
    env, police = as_role("environment"), as_role("police")
    register(env, vehicle(16))
    register(env, vehicle(16, plate_colour="blue", vin=None, vehicle_class="M1", body_type="other"))
    add_entry(env, list_entry(16))  # yellow
    both = police.post(CHECK, json={"plate": plate(16)}).get_json()
    blue = police.post(CHECK, json={"plate": plate(16), "plate_colour": "blue"}).get_json()
    assert [s["plate_colour"] for s in both["subjects"]] == ["blue", "yellow"] and both["blacklisted"]
    assert [s["plate_colour"] for s in blue["subjects"]] == ["blue"] and not blue["blacklisted"]


def test_a_misread_plate_gets_likely_plates_known_ones_first(as_role):
    env, police = as_role("environment"), as_role("police")
    register(env, vehicle(17, plate="晋L10800"))
    answer = police.post(CHECK, json={"plate": "晋L1O8OO"}).get_json()  # letters O for zeros
    assert answer["found"] is False and answer["subjects"] == []
    assert answer["suggestions"][0] == {"plate": "晋L10800", "known": True}
    assert all(not s["known"] for s in answer["suggestions"][1:])


@pytest.mark.parametrize(
    ("body", "field"),
    [({"plate": ""}, "plate"), ({"plate": "   "}, "plate"), ({"plate": "晋L" + "1" * 28}, "plate"),
     ({"plate": None}, "plate"), ({"plate": 12345}, "plate"), ({"plate": plate(1), "plate_colour": "purple"},
                                                               "plate_colour")],
)
def test_impossible_queries_are_422_naming_the_field(as_role, body, field):
    response = as_role("police").post(CHECK, json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"][0]["field"] == field


def test_bulk_answers_in_order_with_bad_items_inline(as_role):
    env, police = as_role("environment"), as_role("police")
    add_entry(env, list_entry(18))
    items = [{"plate": plate(19)}, {"plate": ""}, {"plate": plate(18)}, "晋L00018", {"plate": "晋L" + "2" * 28}]
    results = police.post(BULK, json={"items": items}).get_json()["items"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["ok"] for r in results] == [True, False, True, False, False]
    assert results[0]["found"] is False and results[2]["blacklisted"] is True
    assert results[1]["errors"][0]["field"] == "plate" and results[3]["errors"][0]["field"] == "_item"


def test_more_than_a_thousand_plates_is_413_naming_the_limit(as_role):
    police = as_role("police")
    response = police.post(BULK, json={"items": [{"plate": plate(n)} for n in range(1001)]})
    assert response.status_code == 413 and response.get_json()["limit"] == 1000
    full = police.post(BULK, json={"items": [{"plate": plate(n)} for n in range(1000)]})
    assert full.status_code == 200 and len(full.get_json()["items"]) == 1000


def test_every_check_is_logged_and_only_the_environment_role_reads_the_log(as_role):
    env, police = as_role("environment"), as_role("police", name="officer-7")
    add_entry(env, list_entry(20))
    police.post(CHECK, json={"plate": "晋l00020"})
    police.post(CHECK, json={"plate": ""})
    police.post(BULK, json={"items": [{"plate": plate(21)}, {"plate": plate(20)}]})
    rows = env.get(LOG, query_string={"actor": "officer-7"}).get_json()["items"]
    assert [(r["query_raw"], r["valid"], r["blacklisted"]) for r in rows] == [
        ("晋l00020", True, True), ("", False, False), (plate(21), True, False), (plate(20), True, True)
    ]
    assert rows[0]["role"] == "police" and rows[0]["answer"]["ban_codes"] == ["blacklist"]
    assert rows[2]["batch_id"] and rows[2]["batch_id"] == rows[3]["batch_id"] and rows[0]["batch_id"] is None
    banned = env.get(LOG, query_string={"banned": "true", "plate": plate(20)}).get_json()["items"]
    assert len(banned) == 2
    assert env.get(LOG, query_string={"from": str(_today() + timedelta(days=1))}).get_json()["items"] == []
    assert police.get(LOG).status_code == 403


@pytest.mark.parametrize(("role", "status"), [("police", 200), ("environment", 200), ("service", 200),
                                              ("transport", 403), ("enterprise", 403)])
def test_who_may_check(as_role, role, status):
    from tests.vehicles.factories import uscc

    client = as_role(role, uscc=uscc(1)) if role == "enterprise" else as_role(role)
    assert client.post(CHECK, json={"plate": plate(1)}).status_code == status


def test_a_get_look_up_answers_like_the_post(as_role):
    env, police = as_role("environment"), as_role("police")
    add_entry(env, list_entry(22))
    answer = police.get(CHECK, query_string={"plate": "晋l 00022", "plate_colour": "yellow"}).get_json()
    assert answer["blacklisted"] and answer["query"]["plate"] == plate(22)
    assert police.get(CHECK, query_string={"plate": ""}).status_code == 422


def test_a_misread_plate_in_a_bulk_check_gets_likely_plates_and_a_well_formed_unknown_one_none(as_role):
    env, police = as_role("environment"), as_role("police")
    register(env, vehicle(23, plate="晋L20800"))
    results = police.post(BULK, json={"items": [{"plate": "晋L2O8OO"}, {"plate": plate(24)}]}).get_json()["items"]
    assert results[0]["found"] is False and results[0]["suggestions"][0] == {"plate": "晋L20800", "known": True}
    assert results[1]["found"] is False and results[1]["suggestions"] == []


def test_a_bulk_check_answers_each_plate_as_a_single_check_does(as_role):
    env, police = as_role("environment"), as_role("police")
    register(env, vehicle(25))
    add_entry(env, list_entry(25))
    register(env, vehicle(26))
    add_entry(env, list_entry(27))  # listed, not registered
    items = [{"plate": plate(25)}, {"plate": plate(26)}, {"plate": plate(27)}, {"plate": plate(28)}]
    bulk = police.post(BULK, json={"items": items}).get_json()["items"]
    # a bulk check searches likely plates only for malformed ones, so an unknown plate's suggestions differ
    differ = {"index", "checked_at", "suggestions"}
    for item, answer in zip(items, bulk, strict=True):
        single = police.post(CHECK, json=item).get_json()
        assert {k: v for k, v in answer.items() if k not in differ} == {
            k: v for k, v in single.items() if k not in differ}
    assert [a["found"] for a in bulk] == [True, True, True, False]
    assert [a["blacklisted"] for a in bulk] == [True, False, True, False]
