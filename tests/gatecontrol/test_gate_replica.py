"""The vehicle replica: fed by the real vehicles service's change feed; passages keep a snapshot of its facts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from gatecontrol.commands.sync import apply_changes, sync_vehicles
from gatecontrol.models import FeedCursor, VehicleFact
from tests.conftest import make_token
from tests.gatecontrol.factories import passage


@pytest.fixture(scope="module")
def vehicles(start_services):
    """The vehicles service, running for real."""
    return start_services("vehicles")["vehicles"]


@pytest.fixture(scope="module")
def config(config, vehicles):
    return config.with_changes(service_urls={**config.service_urls, "vehicles": vehicles.url})


def register(vehicles, **overrides) -> dict:
    body = {
        "plate": "晋A12345",
        "plate_colour": "yellow",
        "vehicle_class": "N3",
        "body_type": "tractor",
        "fuel": "diesel",
        "emission_stage": "china_5",
        "operating": True,
        "district_code": "141002",
        "registration_date": "2019-06-01",
        **overrides,
    }
    response = requests.post(
        f"{vehicles.url}/api/v1/vehicles",
        json=body,
        timeout=10,
        headers={"Authorization": f"Bearer {make_token('environment')}"},
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_sync_fills_the_replica_and_a_passage_keeps_the_registry_facts(app, gate, vehicles, db):
    register(vehicles)
    register(vehicles, plate="晋A77777", fuel="natural_gas", emission_stage="china_6b")
    with app.app_context():
        first = sync_vehicles()
        again = sync_vehicles()
    assert first.applied >= 2
    assert again.applied == 0  # resumes from the stored cursor: nothing is applied twice
    record = gate.post("/api/v1/passages", json=passage(plate="晋a12345", emission_stage="4", fuel="柴油")).get_json()
    assert record["vehicle_known"] is True
    assert (record["registry_stage"], record["registry_fuel"], record["registry_class"]) == ("china_5", "diesel", "N3")
    assert (record["reported_stage"], record["stage"]) == ("china_4", "china_5")
    assert record["stage_mismatch"] is True and record["fuel_mismatch"] is False
    assert "stage_mismatch" in record["flags"] and "unknown_vehicle" not in record["flags"]
    gas = gate.post("/api/v1/passages", json=passage(plate="晋A77777", emission_stage="6", fuel="diesel")).get_json()
    assert (gas["stage_mismatch"], gas["fuel_mismatch"]) == (False, True)  # guide code 6 cannot tell 6a from 6b


def test_the_snapshot_is_not_rewritten_when_the_registry_changes_later(app, gate, vehicles, db):
    register(vehicles, plate="晋A55555", emission_stage="china_4")
    with app.app_context():
        sync_vehicles()
    before = gate.post("/api/v1/passages", json=passage(event_id="old", plate="晋A55555")).get_json()
    updated = requests.put(
        f"{vehicles.url}/api/v1/vehicles/晋A55555/yellow",
        timeout=10,
        headers={"Authorization": f"Bearer {make_token('environment')}"},
        json={
            "vehicle_class": "N3",
            "body_type": "tractor",
            "fuel": "diesel",
            "emission_stage": "china_6a",
            "operating": True,
            "district_code": "141002",
            "registration_date": "2019-06-01",
        },
    )
    assert updated.status_code == 200, updated.text
    with app.app_context():
        sync_vehicles()
    after = gate.post("/api/v1/passages", json=passage(event_id="new", plate="晋A55555")).get_json()
    assert before["registry_stage"] == "china_4"
    assert after["registry_stage"] == "china_6a"
    stored = gate.post("/api/v1/passages", json=passage(event_id="old", plate="晋A55555")).get_json()
    assert stored["registry_stage"] == "china_4"


def test_ingest_does_not_wait_for_a_vehicles_service_that_is_down(app, gate, config, db):
    with app.app_context():
        app.extensions.pop("lantian.clients", None)
        urls = app.extensions["lantian.settings"].service_urls
        saved, urls["vehicles"] = urls["vehicles"], "http://127.0.0.1:9"
        try:
            from shared.errors import UpstreamUnavailable

            with pytest.raises(UpstreamUnavailable):
                sync_vehicles()
            response = gate.post("/api/v1/passages", json=passage(plate="晋A99999"))
        finally:
            urls["vehicles"] = saved
            app.extensions.pop("lantian.clients", None)
    assert response.status_code == 201
    assert "unknown_vehicle" in response.get_json()["flags"]


def _vehicle_item(seq: int, stage: str, plate: str = "晋B11111") -> dict:
    return {
        "seq": seq,
        "kind": "vehicle.upserted",
        "changed_at": "2026-11-25T08:00:00+00:00",
        "key": {"plate": plate, "plate_colour": "yellow"},
        "data": {
            "plate": plate,
            "plate_colour": "yellow",
            "vehicle_class": "N3",
            "fuel": "diesel",
            "emission_stage": stage,
            "stage_inferred": True,
            "operating": True,
            "status": "active",
            "registration_date": "2012-01-01",
        },
    }


def _entry_item(seq: int, **data) -> dict:
    return {
        "seq": seq,
        "kind": "list_entry.added",
        "changed_at": "2026-11-25T08:00:00+00:00",
        "key": {"subject_type": "vehicle", "plate": "晋B11111", "plate_colour": "yellow"},
        "data": {
            "entry_id": "L1",
            "list_kind": "blacklist",
            "reason_code": "obd_tampering",
            "reason_zh": "篡改OBD",
            "effective_from": "2026-01-01",
            "until": None,
            "seasonal_scope": None,
            "lifted_at": None,
            **data,
        },
    }


def test_a_replayed_older_change_never_overwrites_a_newer_one_and_unknown_kinds_are_ignored(app, db):
    with app.app_context(), db.sessionmaker() as s, s.begin():
        assert apply_changes(s, [_vehicle_item(5, "china_4"), {"seq": 6, "kind": "machinery.upserted"}]) == (1, 1)
        apply_changes(s, [_vehicle_item(3, "china_3")])
        fact = s.scalars(select(VehicleFact)).one()
    assert (fact.emission_stage, fact.feed_seq, fact.stage_inferred) == ("china_4", 5, True)


def test_a_blacklisted_vehicle_is_flagged_while_listed_and_not_after_lifting(app, gate, db):
    now = datetime.now(UTC)
    with db.sessionmaker() as s, s.begin():
        apply_changes(s, [_vehicle_item(1, "china_4"), _entry_item(2)])
    listed = gate.post("/api/v1/passages", json=passage(plate="晋B11111")).get_json()
    with db.sessionmaker() as s, s.begin():
        lifted = _entry_item(3, lifted_at=(now - timedelta(seconds=1)).isoformat())
        apply_changes(s, [{**lifted, "kind": "list_entry.lifted"}])
    after = gate.post("/api/v1/passages", json=passage(plate="晋B11111", captured_at=now.isoformat())).get_json()
    # a backlog passage captured before the lifting was made while the vehicle was still listed
    backlog = gate.post("/api/v1/passages", json=passage(plate="晋B11111", backfill=True)).get_json()
    assert listed["blacklisted"] is True
    assert backlog["blacklisted"] is True
    assert listed["banned_reasons"] == ["blacklist:obd_tampering"]
    assert listed["registry_stage_inferred"] is True
    assert after["blacklisted"] is False


def test_a_seasonal_entry_applies_only_in_its_season(app, gate, db):
    with db.sessionmaker() as s, s.begin():
        apply_changes(
            s,
            [
                _vehicle_item(1, "china_4"),
                _entry_item(2, seasonal_scope={"from": "10-01", "to": "03-31", "area": "urban"}),
            ],
        )
    record = gate.post("/api/v1/passages", json=passage(plate="晋B11111")).get_json()
    today = datetime.now(UTC).astimezone().date()
    in_season = today.strftime("%m-%d") >= "10-01" or today.strftime("%m-%d") <= "03-31"
    assert record["blacklisted"] is in_season


def test_the_feed_cursor_is_stored(app, gate, vehicles, db):
    register(vehicles, plate="晋A33333")
    with app.app_context():
        sync_vehicles()
    with db.sessionmaker() as s:
        cursor = s.get(FeedCursor, "vehicles.changes")
    assert cursor is not None and int(cursor.cursor) > 0
    assert date.today().year >= 2026
