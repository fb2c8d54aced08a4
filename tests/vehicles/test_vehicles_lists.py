"""Blacklist / key-supervision entries: add, lift, correct, history, roles, and their items in the change feed."""

from __future__ import annotations

import re

import pytest

from tests.vehicles.factories import add_entry, list_entry, plate, register, uscc, vehicle
from tests.vehicles.machinery_factories import machine
from vehicles import machinery_terms

ENTRIES = "/api/v1/list-entries"


def _feed(reader):
    return reader.get("/api/v1/changes", query_string={"limit": 1000}).get_json()["items"]


def test_an_entry_is_stored_with_its_reason_in_chinese_and_a_retry_adds_nothing(as_role):
    env = as_role("environment")
    first = add_entry(env, list_entry(1, plate="晋l 00001", season="autumn_winter"))
    assert first["plate"] == plate(1) and first["subject_key"] == f"{plate(1)}|yellow"
    assert first["reason_zh"] == "路检路查超标排放" and first["list_kind_zh"] == "黑名单"
    assert first["seasonal_scope"] == {"from": "10-01", "to": "03-31", "area": "urban"}
    again = env.post(ENTRIES, json=list_entry(1, season="autumn_winter"))
    assert again.status_code == 200 and again.get_json()["id"] == first["id"]
    page = env.get(ENTRIES, query_string={"plate": plate(1)}).get_json()
    assert [e["id"] for e in page["items"]] == [first["id"]]


def test_lifting_keeps_the_entry_and_lifting_again_is_a_conflict(as_role):
    env = as_role("environment")
    entry = add_entry(env, list_entry(2))
    lifted = env.post(f"{ENTRIES}/{entry['id']}/lift", json={"reason": "复检合格"})
    assert lifted.status_code == 200
    assert lifted.get_json()["lift_reason"] == "复检合格" and lifted.get_json()["lifted_at"]
    again = env.post(f"{ENTRIES}/{entry['id']}/lift", json={"reason": "again"})
    assert again.status_code == 409 and "already lifted" in again.get_json()["detail"]
    assert env.get(f"{ENTRIES}/{entry['id']}").get_json()["lift_reason"] == "复检合格"
    active = env.get(ENTRIES, query_string={"plate": plate(2), "active_on": "2026-06-01"}).get_json()["items"]
    assert active == []


def test_a_correction_is_a_new_entry_and_the_history_shows_both(as_role):
    env = as_role("environment")
    wrong = add_entry(env, list_entry(3, until="2026-12-31"))
    response = env.post(f"{ENTRIES}/{wrong['id']}/corrections",
                        json={"reason": "期限写错", "changes": {"until": "2027-06-30"}})
    assert response.status_code == 201, response.get_json()
    fixed = response.get_json()
    assert fixed["id"] != wrong["id"] and fixed["supersedes"] == wrong["id"] and fixed["until"] == "2027-06-30"
    assert fixed["evidence"] == wrong["evidence"]
    history = env.get(f"{ENTRIES}/history", query_string={"plate": plate(3), "plate_colour": "黄"}).get_json()
    entries = history["entries"]
    assert [e["id"] for e in entries] == [wrong["id"], fixed["id"]]
    assert [ev["kind"] for ev in entries[0]["events"]] == ["added", "lifted", "corrected"]
    assert entries[0]["events"][2]["related_entry"] == fixed["id"]
    assert entries[0]["until"] == "2026-12-31"  # never edited in place
    bad = env.post(f"{ENTRIES}/{fixed['id']}/corrections",
                   json={"reason": "x", "changes": {"until": "2025-12-31"}})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "until"


def test_list_changes_reach_the_change_feed_in_the_contract_shape(as_role):
    env, reader = as_role("environment"), as_role("service")
    entry = add_entry(env, list_entry(4, season="autumn_winter", until="2027-03-31"))
    env.post(f"{ENTRIES}/{entry['id']}/lift", json={"reason": "复检合格"})
    company = add_entry(env, list_entry(0, subject_type="enterprise", plate=..., plate_colour=..., uscc=uscc(7),
                                        reason_code="fleet_over_emission", list_kind="key_supervision"))
    items = [i for i in _feed(reader) if i["kind"].startswith("list_entry.")]
    assert [i["kind"] for i in items] == ["list_entry.added", "list_entry.lifted", "list_entry.added"]
    added, lifted, listed = items
    assert added["key"] == {"subject_type": "vehicle", "plate": plate(4), "plate_colour": "yellow"}
    assert added["data"] == {
        "entry_id": entry["id"], "list_kind": "blacklist", "reason_code": "roadside_over_emission",
        "reason_zh": "路检路查超标排放", "effective_from": "2026-01-01", "until": "2027-03-31",
        "seasonal_scope": {"from": "10-01", "to": "03-31", "area": "urban"}, "lifted_at": None,
    }
    assert lifted["data"]["lifted_at"] is not None and lifted["seq"] > added["seq"]
    assert listed["key"] == {"subject_type": "enterprise", "uscc": uscc(7)}
    assert listed["data"]["entry_id"] == company["id"]


def test_gatecontrol_reads_the_list_items_as_entries_of_its_replica(as_role):
    from gatecontrol.commands.sync import entry_row

    env, reader = as_role("environment"), as_role("service")
    entry = add_entry(env, list_entry(5, plate="晋L0000５"))
    (item,) = [i for i in _feed(reader) if i["kind"] == "list_entry.added"]
    row = entry_row(item)
    assert row["entry_id"] == entry["id"] and row["subject_key"] == f"{plate(5)}|yellow"
    assert row["list_kind"] == "blacklist" and str(row["effective_from"]) == "2026-01-01"


def test_enterprise_sees_only_entries_about_itself_or_its_vehicles(as_role):
    env = as_role("environment")
    register(env, vehicle(6, owner_uscc=uscc(1)))
    register(env, vehicle(7, owner_uscc=uscc(2)))
    own_vehicle = add_entry(env, list_entry(6))
    add_entry(env, list_entry(7))
    own_company = add_entry(env, list_entry(0, subject_type="enterprise", plate=..., plate_colour=..., uscc=uscc(1),
                                            reason_code="fleet_over_emission"))
    add_entry(env, list_entry(0, subject_type="enterprise", plate=..., plate_colour=..., uscc=uscc(2),
                              reason_code="fleet_over_emission"))
    company = as_role("enterprise", uscc=uscc(1))
    seen = company.get(ENTRIES).get_json()["items"]
    assert sorted(e["id"] for e in seen) == sorted([own_vehicle["id"], own_company["id"]])
    other = env.get(ENTRIES, query_string={"plate": plate(7)}).get_json()["items"][0]
    assert company.get(f"{ENTRIES}/{other['id']}").status_code == 404
    history = company.get(f"{ENTRIES}/history", query_string={"plate": plate(7), "plate_colour": "yellow"})
    assert history.get_json()["entries"] == []
    assert company.post(ENTRIES, json=list_entry(8)).status_code == 403
    assert company.post(f"{ENTRIES}/{own_vehicle['id']}/lift", json={"reason": "x"}).status_code == 403


def test_police_can_neither_list_nor_add_nor_lift(as_role):
    env, police = as_role("environment"), as_role("police")
    entry = add_entry(env, list_entry(9))
    assert police.get(ENTRIES).status_code == 403
    assert police.get(f"{ENTRIES}/{entry['id']}").status_code == 403
    assert police.post(ENTRIES, json=list_entry(10)).status_code == 403
    assert police.post(f"{ENTRIES}/{entry['id']}/lift", json={"reason": "x"}).status_code == 403
    assert police.get(f"{ENTRIES}/reasons").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"reason_code": "smoking"}, "reason_code", "obd_tampering"),
        ({"list_kind": "greylist"}, "list_kind", "key_supervision"),
        ({"until": "2025-12-31"}, "until", "before effective_from"),
        ({"reason_code": "no_online_monitoring"}, "list_kind", "key_supervision"),
        ({"plate": ""}, "plate", "required"),
        ({"plate_colour": "purple"}, "plate_colour", "not a plate colour"),
        ({"plate_colour": ...}, "plate_colour", "required"),
        ({"seasonal_scope": {"from": "13-01", "to": "03-31"}}, "seasonal_scope.from", "MM-DD"),
        ({"seasonal_scope": {"from": "10-01", "to": "03-31", "area": "moon"}}, "seasonal_scope.area", "urban"),
        ({"season": "summer"}, "season", "autumn_winter"),
        ({"subject_type": "machinery", "code": "X"}, "code", "6 to 32"),
        ({"effective_from": "2026-13-01"}, "effective_from", ""),
    ],
)
def test_bad_entries_are_refused_naming_the_field(as_role, overrides, field, words):
    env = as_role("environment")
    response = env.post(ENTRIES, json=list_entry(11, **overrides))
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert any(e["field"] == field and words in e["reason"] for e in errors), errors
    assert env.get(ENTRIES).get_json()["items"] == []


def test_unknown_entry_is_404_and_the_reasons_are_listed_with_sources(as_role):
    env = as_role("environment")
    assert env.post(f"{ENTRIES}/nope/lift", json={"reason": "x"}).status_code == 404
    reasons = {r["code"]: r for r in env.get(f"{ENTRIES}/reasons").get_json()}
    assert reasons["obd_tampering"]["zh"] == "破坏篡改车载诊断系统(OBD)"
    assert reasons["no_online_monitoring"]["list_kinds"] == ["key_supervision"]
    assert reasons["fleet_over_emission"]["source_item"] == "item 16"


# --- machinery codes: read by the registry's own validator (vehicles/machinery_codes.yaml) ----------------------


def _machinery_entry(code: str) -> dict:
    return list_entry(12, subject_type="machinery", code=code, plate=..., plate_colour=...)


@pytest.mark.parametrize("bad_code", ["AB-1", "X" * 40, "LF2019/A0001", "  "])
def test_a_machinery_code_the_registry_refuses_is_refused_by_lists_with_the_same_reason(as_role, bad_code):
    env = as_role("environment")
    registry = env.post("/api/v1/machinery/machines", json=machine(1, code=bad_code))
    assert registry.status_code == 422, registry.get_json()
    registry_reason = {e["field"]: e["reason"] for e in registry.get_json()["errors"]}["code"]
    for response in (env.post(ENTRIES, json=_machinery_entry(bad_code)),
                     env.get(ENTRIES, query_string={"code": bad_code}),
                     env.get(f"{ENTRIES}/history", query_string={"code": bad_code}),
                     as_role("police").get("/api/v1/checks", query_string={"code": bad_code})):
        assert response.status_code == 422, response.get_json()
        assert {e["field"]: e["reason"] for e in response.get_json()["errors"]}["code"] == registry_reason
    assert env.get(ENTRIES).get_json()["items"] == []


@pytest.fixture
def guangdong_format(monkeypatch):
    """A second configured format, as a row of machinery_codes.yaml would add it: province 44, with hyphens."""
    shipped = machinery_terms.code_formats()
    extra = machinery_terms.CodeFormat("guangdong_test", ("44",), re.compile(r"YUE-\d{4}-\d{6}"),
                                       "YUE-yyyy-nnnnnn", "test format")
    monkeypatch.setattr(machinery_terms, "code_formats", lambda: (*shipped, extra))
    return "YUE-2020-000123"


def test_a_valid_code_of_another_configured_province_is_listed_and_found_by_the_police_check(as_role,
                                                                                            guangdong_format):
    env = as_role("environment")
    entry = env.post(ENTRIES, json=_machinery_entry(guangdong_format.lower()))
    assert entry.status_code == 201, entry.get_json()
    assert entry.get_json()["subject_key"] == guangdong_format
    history = env.get(f"{ENTRIES}/history", query_string={"code": guangdong_format}).get_json()
    assert [e["id"] for e in history["entries"]] == [entry.get_json()["id"]]
    answer = as_role("police").get("/api/v1/checks", query_string={"code": guangdong_format}).get_json()
    assert answer["registered"] is False and answer["blacklisted"] is True
