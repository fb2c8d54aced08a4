"""A gunicorn worker killed in the middle of a 1,000-passage batch: the gate's retry stores each exactly once.

gatecontrol runs under gunicorn with 2 workers. The batch is sent from a thread; while it is in flight
(sent, no answer yet) both workers are killed with SIGKILL, so whichever one took it dies mid-batch
without a chance to clean up. If the answer came back before the kill landed, the scenario is repeated
with a fresh batch and a shorter delay (several delays are tried, so the kill lands at different points:
reading, writing, committing). Then the gate resends the same batch, as its outbox does.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import suppress
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.conftest import make_token, migrated, service_env
from tests.faults.conftest import Gunicorn
from tests.gatecontrol.factories import gate_body, passage, site_body

BATCH = 1000
SITE = "S1"
# Seconds between sending a batch and the kill: each is one scenario (a fresh batch); a kill that lands
# after the answer checks nothing, and at least one must land while the batch is in flight.
KILL_DELAYS = (0.35, 0.25, 0.15, 0.05)
WANTED_KILLS = 2  # in-flight kills checked; more cost ~3 s each (gunicorn boots new workers)


@pytest.fixture(scope="module")
def gatecontrol_2_workers(databases, auth_database_url, tmp_path_factory):
    url = migrated(databases, "gatecontrol")
    tmp = tmp_path_factory.mktemp("workerkill")
    service = Gunicorn("gatecontrol", tmp / "gatecontrol.log", workers=2)
    service.start(service_env(tmp, {"gatecontrol": url}, auth_database_url, {}))
    try:
        service.wait_ready()
        service.wait_workers(2)
        admin = {"Authorization": f"Bearer {make_token('environment')}"}
        answer = requests.put(f"{service.url}/api/v1/sites/{SITE}", json=site_body(), headers=admin, timeout=30)
        assert answer.status_code in (200, 201), answer.text
        for gate, direction in (("G1", "in"), ("G2", "out")):
            answer = requests.put(f"{service.url}/api/v1/sites/{SITE}/gates/{gate}", json=gate_body(direction),
                                  headers=admin, timeout=30)  # fmt: skip
            assert answer.status_code in (200, 201), answer.text
        answer = requests.post(f"{service.url}/api/v1/sites/{SITE}/keys", json={}, headers=admin, timeout=30)
        assert answer.status_code in (200, 201), answer.text
        yield service, url, answer.json()["key"]
    finally:
        service.stop()


def _batch(tag: str) -> list[dict[str, Any]]:
    return [passage(event_id=f"{tag}-{n:05d}", plate=f"晋L{n:05d}") for n in range(BATCH)]


def _stored(url: str, tag: str) -> tuple[int, int]:
    """(rows, distinct event ids) of the ledger for this batch, read from the service's own database."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            query = (
                "SELECT count(*), count(DISTINCT event_id) FROM passage WHERE site_id = :site AND event_id LIKE :tag"
            )
            row = connection.execute(text(query), {"site": SITE, "tag": f"{tag}-%"}).one()
            return int(row[0]), int(row[1])
    finally:
        engine.dispose()


def test_a_worker_killed_mid_batch_then_the_retry_stores_every_passage_once(gatecontrol_2_workers):
    service, database_url, key = gatecontrol_2_workers
    endpoint = f"{service.url}/api/v1/passages/batch"
    headers = {"Authorization": f"Bearer {key}"}
    killed: set[int] = set()
    in_flight = []
    for attempt, delay in enumerate(KILL_DELAYS):
        if len(in_flight) == WANTED_KILLS:
            break
        tag = f"kill{attempt}"
        items = _batch(tag)
        outcome: dict[str, Any] = {}

        def send(items: list[dict[str, Any]] = items, outcome: dict[str, Any] = outcome) -> None:
            try:
                outcome["response"] = requests.post(endpoint, json={"passages": items}, headers=headers, timeout=60)
            except requests.ConnectionError as exc:
                outcome["error"] = exc

        workers = service.wait_workers(2, dead=killed)
        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(delay)
        for pid in workers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        killed |= workers
        sender.join(timeout=90)
        if "response" in outcome:  # answered before the kill landed: nothing to check, try a shorter delay
            assert outcome["response"].status_code == 200, outcome["response"].text
            continue

        # How far the killed worker got is not asserted (any part may be stored): the retry must complete it.
        partial, _ = _stored(database_url, tag)
        in_flight.append((delay, partial))
        service.wait_workers(2, dead=killed)
        retried = requests.post(endpoint, json={"passages": items}, headers=headers, timeout=60)
        assert retried.status_code == 200, retried.text
        body = retried.json()
        assert {r["status"] for r in body["results"]} <= {"created", "duplicate"}, body["counts"]
        assert sum(body["counts"].values()) == BATCH
        assert body["counts"].get("duplicate", 0) == partial
        assert _stored(database_url, tag) == (BATCH, BATCH)
        # And once more: everything is a duplicate now, nothing is stored twice.
        again = requests.post(endpoint, json={"passages": items}, headers=headers, timeout=60).json()
        assert again["counts"] == {"duplicate": BATCH}
        assert _stored(database_url, tag) == (BATCH, BATCH)
    print(f"kills in flight (delay s, passages stored before the retry): {in_flight}")
    assert in_flight, f"every batch was answered before the kill landed (delays {KILL_DELAYS})"
