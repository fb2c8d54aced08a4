"""Posting passages: safe retries, conflicts named, batches with partial failure, backlog, clocks, bad plates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from gatecontrol.models import Passage
from tests.gatecontrol.factories import SITE_ID, passage, site_body


def _count(db) -> int:
    with db.sessionmaker() as s:
        return s.scalar(select(func.count()).select_from(Passage))


def test_a_passage_is_stored_normalised_with_its_raw_plate(gate, db):
    response = gate.post("/api/v1/passages", json=passage(event_id="e1", plate=" 晋ａ·12345 "))
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert (record["plate"], record["plate_raw"], record["plate_complete"]) == ("晋A12345", " 晋ａ·12345 ", True)
    assert (record["reported_stage"], record["reported_fuel"], record["quantity_t"]) == ("china_4", "diesel", "31.5")
    assert record["site_id"] == SITE_ID
    assert "unknown_vehicle" in record["flags"]
    assert _count(db) == 1


def test_the_same_event_again_returns_200_and_the_same_record(gate, db):
    body = passage(event_id="e1")
    first = gate.post("/api/v1/passages", json=body)
    again = gate.post("/api/v1/passages", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert _count(db) == 1


def test_an_equivalent_spelling_of_the_same_event_is_a_duplicate_not_a_conflict(gate):
    gate.post("/api/v1/passages", json=passage(event_id="e1", emission_stage="4", fuel="柴油"))
    again = gate.post("/api/v1/passages", json=passage(event_id="e1", emission_stage="国四", fuel="diesel"))
    assert again.status_code == 200


def test_the_same_event_id_with_other_content_is_409_naming_the_fields(gate, db):
    body = passage(event_id="e1")
    gate.post("/api/v1/passages", json=body)
    changed = {**body, "plate": "晋A54321", "quantity_t": "30.0"}
    response = gate.post("/api/v1/passages", json=changed)
    assert response.status_code == 409
    assert {e["field"] for e in response.get_json()["errors"]} == {"plate", "quantity_t"}
    moved = gate.post("/api/v1/passages", json={**body, "captured_at": datetime.now(UTC).isoformat()})
    assert moved.status_code == 409
    assert [e["field"] for e in moved.get_json()["errors"]] == ["captured_at"]
    assert _count(db) == 1


def test_the_same_event_id_at_another_site_is_another_passage(gate, env_client, client, db):
    from tests.conftest import RoleClient

    env_client.put("/api/v1/sites/S2", json=site_body())
    env_client.put("/api/v1/sites/S2/gates/G1", json={"name": "in", "direction": "in"})
    other = RoleClient(client, env_client.post("/api/v1/sites/S2/keys", json={}).get_json()["key"])
    assert gate.post("/api/v1/passages", json=passage(event_id="same")).status_code == 201
    assert other.post("/api/v1/passages", json=passage(event_id="same")).status_code == 201
    assert _count(db) == 2


def test_a_batch_stores_the_good_items_and_reports_each_in_order(gate, db):
    items = [
        passage(event_id="b1"),
        passage(event_id="b2", direction="sideways"),
        passage(event_id="b3", gate_id="G2", direction="out"),
        passage(event_id="b4", gate_id="OTHER"),
        passage(event_id="b1"),
    ]
    response = gate.post("/api/v1/passages/batch", json={"passages": items})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [(r["index"], r["event_id"], r["status"]) for r in results] == [
        (0, "b1", "created"),
        (1, "b2", "rejected"),
        (2, "b3", "created"),
        (3, "b4", "rejected"),
        (4, "b1", "duplicate"),
    ]
    assert results[1]["errors"][0]["field"] == "direction"
    assert results[3]["errors"][0]["field"] == "gate_id"
    assert response.get_json()["counts"] == {"created": 2, "rejected": 2, "duplicate": 1}
    assert _count(db) == 2


def test_a_retried_batch_adds_no_duplicate_rows(gate, db):
    items = [passage(event_id=f"r{i}") for i in range(50)]
    first = gate.post("/api/v1/passages/batch", json={"passages": items}).get_json()
    retry = gate.post("/api/v1/passages/batch", json={"passages": items}).get_json()
    assert first["counts"] == {"created": 50}
    assert retry["counts"] == {"duplicate": 50}
    assert _count(db) == 50


def test_a_batch_item_changing_a_stored_event_is_a_conflict_and_the_rest_go_in(gate, db):
    gate.post("/api/v1/passages", json=passage(event_id="c1", goods="煤炭"))
    batch = [passage(event_id="c1", goods="矿石"), passage(event_id="c2")]
    results = gate.post("/api/v1/passages/batch", json={"passages": batch}).get_json()["results"]
    assert [r["status"] for r in results] == ["conflict", "created"]
    assert results[0]["errors"] == [{"field": "goods", "reason": "differs from the stored passage"}]
    assert _count(db) == 2


def test_more_than_1000_items_is_413_and_nothing_is_stored(gate, db):
    items = [passage(event_id=f"x{i}") for i in range(1001)]
    response = gate.post("/api/v1/passages/batch", json={"passages": items})
    assert response.status_code == 413
    assert _count(db) == 0


def test_a_backlog_within_the_ledger_retention_is_accepted_and_older_is_refused(gate):
    now = datetime.now(UTC)
    ok = gate.post("/api/v1/passages", json=passage(captured_at=(now - timedelta(days=700)).isoformat(), backfill=True))
    assert ok.status_code == 201
    assert "backfill" in ok.get_json()["flags"]
    too_old = gate.post("/api/v1/passages", json=passage(captured_at=(now - timedelta(days=735)).isoformat()))
    assert too_old.status_code == 422
    assert too_old.get_json()["errors"][0]["field"] == "captured_at"


def test_a_capture_time_more_than_five_minutes_ahead_is_refused(gate, db):
    now = datetime.now(UTC)
    assert (
        gate.post("/api/v1/passages", json=passage(captured_at=(now + timedelta(minutes=4)).isoformat())).status_code
        == 201
    )
    late = gate.post("/api/v1/passages", json=passage(captured_at=(now + timedelta(minutes=6)).isoformat()))
    assert late.status_code == 422
    assert "future" in late.get_json()["errors"][0]["reason"]
    assert _count(db) == 1


@pytest.mark.parametrize("plate", ["无牌", "", None, "晋A123", "晋A12?45"])
def test_unreadable_or_partial_plates_are_stored_and_flagged(gate, plate):
    response = gate.post("/api/v1/passages", json=passage(plate=plate))
    assert response.status_code == 201
    record = response.get_json()
    assert record["plate_complete"] is False
    assert "incomplete_plate" in record["flags"]


def test_numeric_colour_codes_need_their_source_and_map_per_source(gate):
    assert gate.post("/api/v1/passages", json=passage(plate_colour=2)).status_code == 422
    jtt = gate.post("/api/v1/passages", json=passage(plate_colour=2, plate_colour_source="jtt808")).get_json()
    toll = gate.post("/api/v1/passages", json=passage(plate_colour="2", plate_colour_source="toll")).get_json()
    assert (jtt["plate_colour"], toll["plate_colour"]) == ("yellow", "black")


def test_the_guides_stage_codes_are_read(gate):
    electric = gate.post("/api/v1/passages", json=passage(emission_stage="D", fuel="纯电动")).get_json()
    six = gate.post("/api/v1/passages", json=passage(emission_stage="6")).get_json()
    assert (electric["reported_stage"], six["reported_stage"]) == ("electric", "china_6a")


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"event_id": None}, "event_id", 422),
        ({"plate_colour": "purple"}, "plate_colour", 422),
        ({"direction": "up"}, "direction", 422),
        ({"captured_at": "2026-11-25T08:00:00"}, "captured_at", 422),
        ({"captured_at": "yesterday"}, "captured_at", 422),
        ({"gate_id": "G-of-another-site"}, "gate_id", 422),
        ({"emission_stage": "国九"}, "emission_stage", 422),
        ({"quantity_t": "-3"}, "quantity_t", 422),
        ({"event_id": "x" * 65}, "event_id", 422),
    ],
    ids=[
        "missing-event",
        "colour",
        "direction",
        "naive-time",
        "garbage-time",
        "foreign-gate",
        "stage",
        "quantity",
        "long-event-id",
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(gate, db, change, field, status):
    body = {k: v for k, v in {**passage(), **change}.items() if v is not None}
    response = gate.post("/api/v1/passages", json=body)
    assert response.status_code == status, response.get_json()
    assert field in {e["field"] for e in response.get_json()["errors"]}
    assert _count(db) == 0


def test_only_gate_keys_post_passages(env_client, site):
    assert env_client.post("/api/v1/passages", json=passage()).status_code == 403


def test_ingest_logs_its_counts_without_failing_the_request(gate, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="gatecontrol")
    response = gate.post("/api/v1/passages/batch", json={"passages": [passage(event_id="l1")]})
    assert response.status_code == 200
    (record,) = [r for r in caplog.records if r.getMessage() == "passages ingested"]
    assert record.results == {"created": 1}
