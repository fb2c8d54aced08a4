"""PostgreSQL goes away in the middle of traffic: 503 + Retry-After while it is down, nothing lost or doubled.

vehicles and railshift run under gunicorn (2 workers each) on a throw-away cluster of this module's own.
Two clients write at the same time and retry on 503 and connection errors, as the services' own client
does: one upserts vehicles by plate + colour, the other registers enterprises and writes their monthly
declaration drafts (all idempotent PUTs). When both are a third of the way through, the cluster is
stopped (`pg_ctl stop -m fast`, which aborts the transactions in flight, as `pg_ctl restart -m fast`
does) and started again two seconds later, so that requests certainly land while it is down.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import psycopg
import pytest
import requests

from shared.migrate import AUTH_TREE, upgrade
from tests.conftest import make_token, running_services
from tests.faults.conftest import Cluster
from tests.railshift.factories import enterprise_body, rail_split
from tests.railshift.factories import uscc as rail_uscc
from tests.vehicles.factories import plate, uscc, vehicle

VEHICLES = 300
ENTERPRISES = 60
MONTHS = ("2025-01", "2025-02")  # a draft of each per enterprise
DOWN_SECONDS = 2.0
CLIENT_TIMEOUT = 20.0  # a request may wait this long; one that does not answer by then is a hung worker
OWNER = uscc(99)


@pytest.fixture(scope="module")
def services_on_cluster(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory):
    names = ("vehicles", "railshift")
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
        for name in (*names, "auth"):
            admin.execute(f'CREATE DATABASE "{name}"')
    upgrade(AUTH_TREE, cluster.url("auth"))
    for name in names:
        upgrade(name, cluster.url(name))
    urls = {name: cluster.url(name) for name in names}
    with running_services(tmp_path_factory.mktemp("restart"), urls, cluster.url("auth"), workers=2) as running:
        yield running


class RetryingWriter:
    """PUTs one after another; a 503 or a connection error is retried after a short pause."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.done = 0
        self.answers: Counter[int] = Counter()  # every status seen, retries included
        self.unavailable: list[requests.Response] = []
        self.timeouts = 0
        self.connection_errors = 0

    def put(self, path: str, body: dict[str, Any], token: str) -> None:
        url = f"{self.base}{path}"
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(200):
            try:
                response = requests.put(url, json=body, headers=headers, timeout=CLIENT_TIMEOUT)
            except requests.Timeout:
                self.timeouts += 1
                continue
            except requests.ConnectionError:
                self.connection_errors += 1
                time.sleep(0.1)
                continue
            self.answers[response.status_code] += 1
            if response.status_code in (200, 201):
                self.done += 1
                return
            if response.status_code == 503:
                self.unavailable.append(response)
                time.sleep(0.1)  # shorter than Retry-After, to see more of the outage
                continue
            raise AssertionError(f"PUT {url} answered {response.status_code}: {response.text[:500]}")
        raise AssertionError(f"PUT {url} never succeeded")

    def assert_outage_answered_cleanly(self) -> None:
        """While the database was down: 503, Retry-After, problem+json naming it; never a 500 or a hang."""
        assert self.unavailable, f"no request landed while PostgreSQL was down: {self.answers}"
        for response in self.unavailable:
            assert response.headers.get("Retry-After"), response.headers
            assert response.headers["Content-Type"].startswith("application/problem+json")
            assert response.json()["code"] == "database-unavailable", response.text
        assert set(self.answers) <= {200, 201, 503}, self.answers
        assert self.timeouts == 0, "a request hung past the client's timeout"


def _all_items(base: str, path: str, token: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a keyset-paginated list of the API."""
    headers = {"Authorization": f"Bearer {token}"}
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {**params, "limit": 500}
    while True:
        page = requests.get(f"{base}{path}", params=query, headers=headers, timeout=30)
        assert page.status_code == 200, page.text
        body = page.json()
        items.extend(body["items"])
        if not body.get("next_cursor"):
            return items
        query["cursor"] = body["next_cursor"]


@pytest.mark.parametrize("backend", ["postgresql"])  # a restart of SQLite is not a thing; --db sqlite skips it
def test_writes_survive_a_postgresql_restart_exactly_once(backend, cluster, services_on_cluster):
    vehicles_url, railshift_url = services_on_cluster["vehicles"].url, services_on_cluster["railshift"].url
    cars, rail = RetryingWriter(vehicles_url), RetryingWriter(railshift_url)
    enterprises = [rail_uscc() for _ in range(ENTERPRISES)]
    outage: dict[str, float] = {}

    def write_vehicles() -> None:
        token = make_token("transport")
        for n in range(VEHICLES):
            body = vehicle(70000 + n, owner_uscc=OWNER)
            cars.put(f"/api/v1/vehicles/{body['plate']}/yellow", body, token)

    def write_declarations() -> None:
        bureau = make_token("transport")
        for code in enterprises:
            rail.put(f"/api/v1/enterprises/{code}", enterprise_body(), bureau)
            for month in MONTHS:
                rail.put(f"/api/v1/enterprises/{code}/declarations/{month}", {"lines": rail_split(800, 200)},
                         make_token("enterprise", uscc=code))  # fmt: skip

    def restart() -> None:
        while cars.done < VEHICLES // 3 or rail.done < ENTERPRISES * (1 + len(MONTHS)) // 3:
            time.sleep(0.01)
        outage["stopped"] = time.monotonic()
        cluster.ctl("stop", "-m", "fast")
        time.sleep(DOWN_SECONDS)
        cluster.ctl("start")
        outage["started"] = time.monotonic()

    failures: list[BaseException] = []

    def guarded(work: Any) -> Any:
        def run() -> None:
            try:
                work()
            except BaseException as exc:  # reported below, from the test's thread
                failures.append(exc)

        return run

    threads = [threading.Thread(target=guarded(w), daemon=True) for w in (write_vehicles, write_declarations, restart)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert outage.get("started"), "the cluster was not restarted during the writes"
    for name, writer in (("vehicles", cars), ("railshift", rail)):
        print(f"{name}: answers {dict(writer.answers)}, connection errors {writer.connection_errors}")
        writer.assert_outage_answered_cleanly()

    # Afterwards: every record there exactly once, and the services recovered by themselves.
    stored = Counter(v["plate"] for v in _all_items(vehicles_url, "/api/v1/vehicles", make_token("environment"),
                                                     owner_uscc=OWNER))  # fmt: skip
    assert set(stored) == {plate(70000 + n) for n in range(VEHICLES)}
    assert max(stored.values()) == 1
    registered = Counter(e["uscc"] for e in _all_items(railshift_url, "/api/v1/enterprises", make_token("transport")))
    assert registered == Counter(enterprises)
    for code in enterprises:
        drafts = _all_items(railshift_url, "/api/v1/declarations", make_token("enterprise", uscc=code), uscc=code)
        assert sorted(d["month"] for d in drafts) == sorted(MONTHS), (code, drafts)
