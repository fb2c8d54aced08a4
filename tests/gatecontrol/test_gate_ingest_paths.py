"""Ingest's faster paths store exactly what the general one does, and a lost database connection heals itself."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import select

import shared.db
from gatecontrol.daos import COPY_FROM_ROWS
from gatecontrol.models import Passage
from tests.conftest import POSTGRES_ADMIN_URL
from tests.gatecontrol.factories import CAPTURED, passage

SAME_EXCEPT = {"event_id", "received_at"}


def _varied(prefix: str, count: int) -> list[dict]:
    """Passages that differ in every way ingest treats specially: plates, stages, fuels, photos, nulls."""
    plates = ["晋a 12345", "无牌", "晋A123", "晋B 6789D", None]
    stages = ["4", "D", "国六", None, "china_5"]
    return [
        passage(
            event_id=f"{prefix}{n}",
            plate=plates[n % 5],
            emission_stage=stages[n % 5],
            fuel=None if n % 4 == 0 else "柴油",
            photos=[] if n % 3 == 0 else [f"photo://{n}.jpg", "照片.jpg"],
            quantity_t=None if n % 6 == 0 else f"{n}.5",
            registration_date="2015-06-01" if n % 2 else None,
            backfill=n % 7 == 0,
            captured_at=(CAPTURED - timedelta(minutes=n)).isoformat(),
        )
        for n in range(count)
    ]


def _stored(db, prefix: str) -> list[dict]:
    with db.engine.connect() as connection:
        rows = connection.execute(select(Passage.__table__).where(Passage.event_id.like(f"{prefix}%")))
        found = sorted((dict(row._mapping) for row in rows), key=lambda r: int(r["event_id"][len(prefix) :]))
    return [{k: v for k, v in row.items() if k not in SAME_EXCEPT} for row in found]


def test_one_by_one_a_small_batch_and_a_large_batch_store_the_same_rows(gate, db):
    count = COPY_FROM_ROWS + 5  # the large batch takes the bulk path (COPY on PostgreSQL)
    for item in _varied("s", count):
        assert gate.post("/api/v1/passages", json=item).status_code == 201
    small = gate.post("/api/v1/passages/batch", json={"passages": _varied("m", 3)}).get_json()
    large = gate.post("/api/v1/passages/batch", json={"passages": _varied("l", count)}).get_json()
    assert small["counts"] == {"created": 3}
    assert large["counts"] == {"created": count}
    one_by_one = _stored(db, "s")
    assert len(one_by_one) == count
    assert _stored(db, "l") == one_by_one
    assert _stored(db, "m") == one_by_one[:3]
    # and the stored rows are judged alike on a retry, whichever path wrote them
    again = gate.post("/api/v1/passages/batch", json={"passages": _varied("s", count)}).get_json()
    assert again["counts"] == {"duplicate": count}
    assert gate.post("/api/v1/passages", json=_varied("l", 2)[1]).status_code == 200


def _drop_connections(database_url: str) -> int:
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        return len(
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchall()
        )


@pytest.fixture
def postgresql_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("connections are dropped on PostgreSQL only")


def test_a_connection_lost_mid_use_answers_503_with_retry_after_then_heals(postgresql_only, gate, db, config):
    assert gate.post("/api/v1/passages", json=passage(event_id="before")).status_code == 201
    assert _drop_connections(config.database_url) >= 1  # as a database restart would
    lost = gate.post("/api/v1/passages", json=passage(event_id="during"))
    assert lost.status_code == 503
    assert lost.headers["Retry-After"] == "5"
    assert gate.post("/api/v1/passages", json=passage(event_id="during")).status_code == 201
    assert gate.post("/api/v1/passages", json=passage(event_id="before")).status_code == 200


def test_an_idle_connection_that_died_is_replaced_before_use(postgresql_only, gate, db, config, monkeypatch):
    assert gate.post("/api/v1/passages", json=passage(event_id="before")).status_code == 201
    monkeypatch.setattr(shared.db, "IDLE_PING_SECONDS", 0.0)  # every pooled connection counts as idle
    assert _drop_connections(config.database_url) >= 1
    assert gate.post("/api/v1/passages", json=passage(event_id="after")).status_code == 201


def _replica_changes(db, *items: dict) -> None:
    from gatecontrol.commands.sync import apply_changes

    with db.sessionmaker() as s, s.begin():
        apply_changes(s, list(items))


def _fact(seq: int, stage: str) -> dict:
    data = {"plate": "晋B22222", "plate_colour": "yellow", "vehicle_class": "N3", "fuel": "diesel",
            "emission_stage": stage, "status": "active"}  # fmt: skip
    key = {"plate": "晋B22222", "plate_colour": "yellow"}
    return {"seq": seq, "kind": "vehicle.upserted", "key": key, "data": data}


def _blacklisting(seq: int, lifted_at: str | None = None) -> dict:
    data = {"entry_id": "B1", "list_kind": "blacklist", "reason_code": "obd_tampering", "lifted_at": lifted_at}
    key = {"subject_type": "vehicle", "plate": "晋B22222", "plate_colour": "yellow"}
    return {"seq": seq, "kind": "list_entry.lifted" if lifted_at else "list_entry.added", "key": key, "data": data}


def test_a_single_post_always_carries_what_the_replica_holds_when_it_is_stored(gate, db):
    """A gate posting the same truck again takes one round trip with the facts last read for it; the
    replica changing in between (registered, restaged, blacklisted, lifted) is never missed."""
    seen = []
    captured = (CAPTURED - timedelta(hours=1)).isoformat()  # before the lifting below

    def post() -> None:
        body = passage(event_id=f"r{len(seen)}", plate="晋B 22222", captured_at=captured)
        response = gate.post("/api/v1/passages", json=body)
        assert response.status_code == 201, response.get_json()
        record = response.get_json()
        seen.append((record["vehicle_known"], record["registry_stage"], record["blacklisted"]))

    post()
    post()  # unchanged: stored from what was read before
    _replica_changes(db, _fact(1, "china_3"))
    post()
    post()
    _replica_changes(db, _fact(2, "china_5"), _blacklisting(3))
    post()
    _replica_changes(db, _blacklisting(4, lifted_at=(CAPTURED - timedelta(hours=2)).isoformat()))
    post()
    post()
    assert seen == [
        (False, None, False), (False, None, False), (True, "china_3", False), (True, "china_3", False),
        (True, "china_5", True), (True, "china_5", False), (True, "china_5", False),
    ]  # fmt: skip
    stored = [(r["vehicle_known"], r["registry_stage"], r["blacklisted"]) for r in _stored(db, "r")]
    assert stored == seen  # what was answered is what is stored
