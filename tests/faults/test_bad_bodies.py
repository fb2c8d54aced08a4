"""Hostile bodies on each service's JSON writes: a clear 4xx problem+json, never a 500, nothing written.

Each case is sent to one idempotent PUT of each service that takes JSON (reports takes none: it only
reads). After every case the resource is asked for again: it must not exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.gatecontrol.factories import site_body
from tests.railshift.factories import enterprise_body
from tests.railshift.factories import uscc as rail_uscc
from tests.vehicles.factories import vehicle


@dataclass(frozen=True)
class Target:
    """One JSON write of a service: where it is, who may call it, a valid body, a free-text field."""

    path: str
    role: str
    body: dict[str, Any]
    text_field: str


def _targets() -> dict[str, Target]:
    body = vehicle(4242)
    return {
        "vehicles": Target(f"/api/v1/vehicles/{body['plate']}/yellow", "transport", body, "vin"),
        "gatecontrol": Target("/api/v1/sites/S-FAULT", "environment", site_body(), "name"),
        "railshift": Target(f"/api/v1/enterprises/{rail_uscc()}", "transport", enterprise_body(), "name"),
    }


TARGETS = _targets()


@pytest.fixture(scope="module", params=sorted(TARGETS))
def service(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def target(service: str) -> Target:
    return TARGETS[service]


@pytest.fixture
def send(as_role, target):
    """send(data, content_type) -> the response of a PUT of raw bytes to the target, as its writer role."""

    def put(data: bytes, content_type: str = "application/json") -> Any:
        return as_role(target.role).put(target.path, data=data, content_type=content_type)

    return put


def _assert_clear_refusal(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.get_data()[:500])
    assert response.mimetype == "application/problem+json", response.mimetype
    problem = response.get_json()
    assert problem["status"] == response.status_code and problem["detail"], problem
    return problem


@pytest.fixture
def nothing_written(as_role, target):
    yield
    assert as_role(target.role).get(target.path).status_code == 404, "a refused body left a record behind"


def test_the_valid_body_is_accepted_so_the_cases_below_are_refused_for_their_fault(send, target, as_role):
    response = send(json.dumps(target.body).encode())
    assert response.status_code in (200, 201), response.get_json()
    assert as_role(target.role).get(target.path).status_code == 200


def test_a_body_over_the_content_length_limit_is_413(send, target, app, nothing_written):
    limit = app.config["MAX_CONTENT_LENGTH"]
    padding = "x" * (limit + 1024)
    problem = _assert_clear_refusal(send(json.dumps({**target.body, "padding": padding}).encode()), 413)
    assert problem["code"] == "payload-too-large"


def test_deeply_nested_json_is_a_400_not_a_recursion_error(send, nothing_written):
    depth = 100_000
    _assert_clear_refusal(send(b"[" * depth + b"]" * depth), 400, 422)
    _assert_clear_refusal(send(b'{"a":' * depth + b"1" + b"}" * depth), 400, 422)


def test_a_10_mb_string_in_a_field_is_refused_naming_the_field(send, target, nothing_written):
    body = {**target.body, target.text_field: "晋" * (10 * 1024 * 1024 // 3)}
    problem = _assert_clear_refusal(send(json.dumps(body, ensure_ascii=False).encode()), 413, 422)
    if problem["status"] == 422:
        assert target.text_field in {e["field"] for e in problem.get("errors", [])}, problem


def test_invalid_utf8_is_a_400(send, target, nothing_written):
    raw = json.dumps(target.body, ensure_ascii=False).encode()
    broken = raw.replace(b'"', b'"\xff\xfe', 1)  # two bytes no UTF-8 text contains, inside the first key
    _assert_clear_refusal(send(broken), 400)
    cut = "临汾".encode()[:4]  # half of the second character
    _assert_clear_refusal(send(b'{"' + target.text_field.encode() + b'": "' + cut + b'"}'), 400)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_json_endpoint_refuses_other_content_types_saying_what_it_takes(send, target, content_type, nothing_written):
    problem = _assert_clear_refusal(send(json.dumps(target.body).encode(), content_type), 415)
    assert "application/json" in problem["detail"]


def test_json_that_is_not_an_object_is_a_422(send, nothing_written):
    for raw in (b"[]", b'"text"', b"null", b"42"):
        _assert_clear_refusal(send(raw), 400, 422)
