"""reports with vehicles down or hanging: a 503 problem+json naming vehicles, within the client's timeout.

The other upstreams are closed ports (they fail at once), so what the request waits for is vehicles alone.
"A downstream that hangs" is a socket that accepts and never answers: the worker must not wait on it
beyond the configured timeout, times the tries (timeout x (retries + 1)), plus backoff and slack.
"""

from __future__ import annotations

import math
import time

import pytest

import reports
from reports.commands import SECTION_WORKERS
from tests.conftest import RoleClient, closed_port_url, make_token

TIMEOUT = 1.0
RETRIES = 1
SLACK = 3.0  # backoff between tries (0.2 s) and building the answer, on a loaded 2-core machine


@pytest.fixture(scope="module")
def service() -> str:
    return "reports"


@pytest.fixture
def reports_with_vehicles_at(config, db):
    made = []

    def make(vehicles_url: str) -> RoleClient:
        urls = {**config.service_urls, "vehicles": vehicles_url,
                "gatecontrol": closed_port_url(), "railshift": closed_port_url()}  # fmt: skip
        app = reports.create_app(config.with_changes(service_urls=urls, http_timeout=TIMEOUT, http_retries=RETRIES))
        made.append(app)
        return RoleClient(app.test_client(), make_token("environment"))

    yield make
    for app in made:
        app.extensions["lantian.db"].dispose()
        app.extensions["lantian.auth_db"].dispose()


def _report(client: RoleClient) -> tuple[float, object]:
    started = time.monotonic()
    response = client.get("/api/v1/reports/monthly/2026-09")
    return time.monotonic() - started, response


def _assert_names_vehicles(response) -> list[dict]:
    assert response.status_code == 503, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"]
    problem = response.get_json()
    assert problem["code"] == "upstream-unavailable"
    failed = problem["sections"]
    vehicle_sections = [s for s in failed if s["service"] == "vehicles"]
    assert vehicle_sections, problem
    assert all("vehicles" in s["reason"] for s in vehicle_sections), vehicle_sections
    return vehicle_sections


def test_a_report_with_vehicles_down_names_it_at_once(reports_with_vehicles_at):
    seconds, response = _report(reports_with_vehicles_at(closed_port_url()))
    sections = _assert_names_vehicles(response)
    assert all("connection refused" in s["reason"] for s in sections), sections
    assert seconds < TIMEOUT * (RETRIES + 1) + SLACK, f"{seconds:.1f} s for refused connections"


def test_a_report_with_vehicles_hanging_answers_within_the_timeout_naming_it(reports_with_vehicles_at, silent_server):
    seconds, response = _report(reports_with_vehicles_at(silent_server.url))
    sections = _assert_names_vehicles(response)
    assert silent_server.accepted >= 1  # it did reach the hanging server
    assert all(f"no answer within {TIMEOUT:g} s" in s["reason"] for s in sections), sections
    # Sections are read side by side, SECTION_WORKERS at a time; each vehicles section waits out its tries once.
    waves = math.ceil(len(sections) / SECTION_WORKERS)
    bound = waves * TIMEOUT * (RETRIES + 1) + SLACK
    print(f"hanging vehicles: {len(sections)} sections, {seconds:.2f} s, bound {bound:.1f} s")
    assert seconds < bound, f"{seconds:.1f} s waiting on a hanging vehicles (bound {bound:.1f} s)"
