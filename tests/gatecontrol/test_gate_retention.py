"""Retention: never below the legal minimum, boundaries exact, holds respected, every purge logged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from sqlalchemy import func, inspect, select, text

from gatecontrol import create_app, partitions
from gatecontrol.commands.retention import PurgeExpired, RetentionViolation
from gatecontrol.models import Passage, PassageKey, PurgeLog, VideoSegment
from gatecontrol.storage import LocalStorage, ObjectMissing, S3Storage
from shared.config import ConfigError
from tests.conftest import free_port, make_token
from tests.gatecontrol.factories import SITE_ID, passage

T0 = datetime(2026, 10, 15, 8, 0, 0, tzinfo=UTC)
# 24 months and one second after T0: the ledger cut-off is T0 + 1 s
PURGE_AT = datetime(2028, 10, 15, 8, 0, 1, tzinfo=UTC)


def ledger(db) -> list[str]:
    with db.sessionmaker() as s:
        return sorted(s.scalars(select(Passage.event_id)))


def keys(db) -> list[str]:
    with db.sessionmaker() as s:
        return sorted(s.scalars(select(PassageKey.event_id)))


def post_all(gate, *bodies):
    counts = gate.post("/api/v1/passages/batch", json={"passages": list(bodies)}).get_json()["counts"]
    assert counts == {"created": len(bodies)}


def purge(app, now=PURGE_AT):
    with app.app_context():
        return PurgeExpired(run_by="test", now=now).run()


@pytest.mark.parametrize(("name", "months"), [("ledger_retention_months", 23), ("video_retention_months", 5)])
def test_the_service_refuses_to_start_below_the_legal_minimum(config, name, months):
    with pytest.raises(ConfigError, match="legal minimum"):
        create_app(config.with_changes(**{name: months}))


def test_a_longer_retention_is_accepted(config):
    app = create_app(config.with_changes(ledger_retention_months=36, video_retention_months=12))
    assert app.extensions["gatecontrol.settings"].ledger_months == 36
    app.extensions["lantian.db"].dispose()
    app.extensions["lantian.auth_db"].dispose()


def test_ledger_rows_older_than_24_months_go_and_younger_stay_to_the_second(app, gate, db):
    post_all(
        gate,
        passage(event_id="old", captured_at=T0.isoformat()),
        passage(event_id="edge", captured_at=(T0 + timedelta(seconds=1)).isoformat()),
        passage(event_id="young", captured_at=(T0 + timedelta(days=1)).isoformat()),
    )
    result = purge(app)
    assert result.ledger_cutoff == T0 + timedelta(seconds=1)
    assert ledger(db) == ["edge", "young"]
    with db.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(PassageKey)) == 2  # the purged row's key went too
        log = s.scalars(select(PurgeLog).where(PurgeLog.what == "ledger")).all()
    assert [(entry.count, entry.run_by, entry.range_to) for entry in log] == [(1, "test", T0 + timedelta(seconds=1))]


def test_a_whole_old_month_is_dropped_as_a_partition_on_postgresql(app, gate, db, backend):
    post_all(
        gate,
        *[passage(event_id=f"sep{i}", captured_at=f"2026-09-{i + 1:02d}T08:00:00+08:00") for i in range(5)],
        passage(event_id="oct", captured_at="2026-10-20T08:00:00+08:00"),
    )
    engine = db.engine
    if backend == "postgresql":
        assert "passage_2026_09" in inspect(engine).get_table_names(schema="ledger_partitions")
    result = purge(app)
    assert ledger(db) == ["oct"]
    ledger_steps = [s for s in result.steps if s["what"] == "ledger"]
    if backend == "postgresql":
        assert "passage_2026_09" not in inspect(engine).get_table_names(schema="ledger_partitions")
        september = [s for s in ledger_steps if s["method"] == "drop_partition" and s["count"] == 5]
        assert len(september) == 1
    else:
        assert sum(s["count"] for s in ledger_steps) == 5


def test_a_month_detached_by_a_stopped_purge_is_dropped_by_the_next_and_one_detached_by_hand_is_kept(
    app, gate, db, backend
):
    if backend != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")
    post_all(
        gate,
        passage(event_id="aug", captured_at="2026-08-10T08:00:00+08:00"),
        passage(event_id="sep", captured_at="2026-09-10T08:00:00+08:00"),
        passage(event_id="oct", captured_at="2026-10-20T08:00:00+08:00"),
    )
    with db.engine.begin() as connection:  # a purge that stopped after its first step, and an archivist
        by_month = {p.month: p for p in partitions.list_partitions(connection)}
        partitions.detach_partition(connection, by_month["2026-09"])
        connection.execute(text("ALTER TABLE passage DETACH PARTITION ledger_partitions.passage_2026_08"))
    assert ledger(db) == ["oct"]  # a detached month is already out of the ledger
    purge(app)
    names = set(inspect(db.engine).get_table_names(schema="ledger_partitions"))
    assert "passage_2026_09_purged" not in names
    assert "passage_2026_08" in names  # not ours to drop
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE ledger_partitions.passage_2026_08"))


def test_partitions_are_created_ahead_by_the_purge_job(app, db, backend):
    if backend != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")
    purge(app, now=datetime.now(UTC))
    names = set(inspect(db.engine).get_table_names(schema="ledger_partitions"))
    ahead = (datetime.now(UTC) + timedelta(days=62)).strftime("passage_%Y_%m")
    assert ahead in names


@pytest.mark.parametrize(
    ("hold", "kept"),
    [
        ({"site_id": SITE_ID}, ["a", "b", "c"]),
        ({"plate": "晋a·00002"}, ["b", "c"]),
        ({"starts_at": "2026-09-10T00:00:00+08:00", "ends_at": "2026-09-11T00:00:00+08:00"}, ["a", "c"]),
    ],
    ids=["site", "plate", "time-range"],
)
def test_held_records_are_never_purged_and_released_ones_are(app, gate, env_client, db, hold, kept):
    post_all(
        gate,
        passage(event_id="a", plate="晋A00001", captured_at="2026-09-10T08:00:00+08:00"),
        passage(event_id="b", plate="晋A00002", captured_at="2026-09-20T08:00:00+08:00"),
        passage(event_id="c", plate="晋A00003", captured_at="2026-10-20T08:00:00+08:00"),
    )
    placed = env_client.post("/api/v1/holds", json={**hold, "reason": "案件调查 2026-118"})
    assert placed.status_code == 201, placed.get_json()
    result = purge(app)
    assert ledger(db) == kept
    assert keys(db) == kept  # a held row keeps its idempotency key: a gate's retry still finds it
    assert sum(s["held"] for s in result.steps if s["what"] == "ledger") >= 1
    env_client.post(f"/api/v1/holds/{placed.get_json()['id']}/release")
    purge(app)
    assert ledger(db) == ["c"] and keys(db) == ["c"]


@pytest.mark.parametrize("plate", ["晋L" + "1" * 30, "ABC", "晋L12#45"])
def test_a_hold_on_a_plate_that_is_no_plate_is_refused_naming_the_field(env_client, plate):
    response = env_client.post("/api/v1/holds", json={"plate": plate, "reason": "案件调查"})
    assert response.status_code == 422, response.get_json()
    assert [error["field"] for error in response.get_json()["errors"]] == ["plate"]
    assert env_client.get("/api/v1/holds").get_json() == []


def test_a_hold_keeps_the_plate_as_cameras_read_it(env_client):
    response = env_client.post("/api/v1/holds", json={"plate": "晋ｌ 12345", "reason": "案件调查"})
    assert response.status_code == 201 and response.get_json()["plate"] == "晋L12345"


def test_a_hold_needs_a_subject(env_client):
    response = env_client.post("/api/v1/holds", json={"reason": "everything"})
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "site_id"


def test_a_stricter_rule_added_later_stops_the_purge(app, gate, db, client):
    post_all(gate, passage(event_id="old", captured_at=T0.isoformat()))
    rule = {
        "code": "retention.ledger_months",
        "jurisdiction": "linfen",
        "subject": "ledger, stricter",
        "value": "36",
        "unit": "months",
        "comparison": ">=",
        "effective_from": "2026-01-01",
        "source_document": "test",
        "source_item": "1",
        "description": "a longer retention",
    }
    added = client.post("/api/v1/policy-rules", json=rule, headers={"Authorization": f"Bearer {make_token('admin')}"})
    assert added.status_code == 201
    with app.app_context(), pytest.raises(RetentionViolation, match="36 months"):
        PurgeExpired(run_by="test", now=PURGE_AT).run()
    assert ledger(db) == ["old"]


def _segment(env_client, gate, start: datetime, minutes: int = 5, data: bytes = b"\x00video") -> dict:
    env_client.put(f"/api/v1/sites/{SITE_ID}/cameras/C1", json={"name": "gate camera", "gate_id": "G1"})
    response = gate.post(
        f"/api/v1/sites/{SITE_ID}/cameras/C1/segments",
        data=data,
        content_type="application/octet-stream",
        query_string={"starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=minutes)).isoformat()},
    )
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def test_a_segment_is_stored_once_and_read_back_verified(env_client, gate):
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    first = _segment(env_client, gate, start, data=b"frames-1")
    again = _segment(env_client, gate, start, data=b"frames-1")
    assert first["id"] == again["id"] and first["size_bytes"] == 8
    other = gate.post(
        f"/api/v1/sites/{SITE_ID}/cameras/C1/segments",
        data=b"frames-2",
        content_type="application/octet-stream",
        query_string={"starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=5)).isoformat()},
    )
    assert other.status_code == 409
    content = env_client.get(f"/api/v1/sites/{SITE_ID}/segments/{first['id']}/content")
    assert content.get_data() == b"frames-1"


def test_video_older_than_six_months_is_purged_unless_held(app, env_client, gate, db):
    now = datetime(2027, 5, 1, 8, 0, tzinfo=UTC)  # video cut-off 2026-11-01 08:00
    old = _segment(env_client, gate, datetime(2026, 11, 1, 7, 55, tzinfo=UTC))  # ends exactly at the cut-off
    young = _segment(env_client, gate, datetime(2026, 11, 1, 7, 56, tzinfo=UTC))
    held = _segment(env_client, gate, datetime(2026, 10, 1, 8, 0, tzinfo=UTC))
    env_client.post(
        "/api/v1/holds",
        json={
            "starts_at": "2026-10-01T08:00:00+00:00",
            "ends_at": "2026-10-01T08:01:00+00:00",
            "reason": "alert window",
        },
    )
    storage = LocalStorage(app.extensions["gatecontrol.settings"].video_storage_url)
    result = purge(app, now=now)
    with db.sessionmaker() as s:
        left = sorted(s.scalars(select(VideoSegment.id)))
    assert left == sorted([young["id"], held["id"]])
    with pytest.raises(ObjectMissing):
        storage.get(old["storage_uri"])
    assert storage.get(young["storage_uri"]) == b"\x00video"
    assert [(s["what"], s["count"], s["held"]) for s in result.steps if s["what"] == "video"] == [("video", 1, 1)]


@pytest.fixture(scope="module")
def s3_server():
    """A real S3-compatible server (moto's server mode) on a loopback port."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3", endpoint_url=s3_server).create_bucket(Bucket="lantian-video")
    return S3Storage("lantian-video", "gatecontrol", endpoint_url=s3_server)


def test_the_s3_backend_stores_reads_and_deletes_objects(s3):
    uri = s3.put("S1/C1/segment.bin", b"\x01\x02\x03")
    assert uri == "s3://lantian-video/gatecontrol/S1/C1/segment.bin"
    assert s3.get(uri) == b"\x01\x02\x03"
    s3.delete(uri)
    with pytest.raises(ObjectMissing):
        s3.get(uri)


def test_upload_and_purge_work_against_the_s3_backend(app, env_client, gate, db, s3):
    app.extensions["gatecontrol.storage"] = s3
    try:
        old = _segment(env_client, gate, datetime(2026, 10, 1, 8, 0, tzinfo=UTC), data=b"old-frames")
        assert old["storage_uri"].startswith("s3://lantian-video/gatecontrol/S1/C1/")
        assert s3.get(old["storage_uri"]) == b"old-frames"
        purge(app, now=datetime(2027, 5, 1, tzinfo=UTC))
        with pytest.raises(ObjectMissing):
            s3.get(old["storage_uri"])
    finally:
        app.extensions.pop("gatecontrol.storage")
    with db.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(VideoSegment)) == 0
        assert s.execute(text("SELECT 1")).scalar() == 1
