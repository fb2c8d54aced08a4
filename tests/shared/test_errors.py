"""Every error a client can provoke is problem+json with a stable code, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.factories import policy_rule

RULES = "/api/v1/policy-rules"
PROBLEM = "application/problem+json"


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:lantian:problem:{code}"
    assert body["detail"]
    return body


@pytest.mark.parametrize(
    ("send", "status", "code", "field"),
    [
        ({"data": '{"code": "x",', "content_type": "application/json"}, 400, "malformed-json", "_body"),
        ({"data": b"\xff\xfe{}", "content_type": "application/json"}, 400, "malformed-json", "_body"),
        ({"json": [1, 2]}, 422, "validation-failed", "_schema"),
        ({"json": {**policy_rule(), "colour": "blue"}}, 422, "validation-failed", "colour"),
        ({"json": {k: v for k, v in policy_rule().items() if k != "unit"}}, 422, "validation-failed", "unit"),
        ({"json": policy_rule(effective_from=12)}, 422, "validation-failed", "effective_from"),
        ({"data": "code=x", "content_type": "application/x-www-form-urlencoded"}, 415, "unsupported-media-type",
         "Content-Type"),
        ({"data": "<rule/>", "content_type": "application/xml"}, 415, "unsupported-media-type", "Content-Type"),
    ],
    ids=["truncated-json", "invalid-utf8", "not-an-object", "unknown-field", "missing-field", "wrong-type",
         "form-body", "xml-body"],
)
def test_bad_bodies_name_the_failing_field(as_role, send, status, code, field):
    response = as_role("environment").post(RULES, **send)
    body = _problem(response, status, code)
    assert field in {e["field"] for e in body["errors"]}
    assert as_role("environment").get(RULES).get_json()["items"] == [], "nothing was written"


def test_a_body_over_the_limit_is_413(app, as_role):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = json.dumps({**policy_rule(), "description": "x" * limit})
    _problem(as_role("environment").post(RULES, data=body, content_type="application/json"), 413,
             "payload-too-large")


def test_unknown_route_and_wrong_method(as_role):
    _problem(as_role("police").get("/api/v1/no-such-thing"), 404, "not-found")
    response = as_role("police").delete(RULES)
    _problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["Allow"]


def test_bad_query_parameters_are_422_in_query(as_role):
    body = _problem(as_role("police").get(RULES, query_string={"limit": 0, "as_of": "yesterday"}), 422,
                    "validation-failed")
    assert {(e["field"], e["in"]) for e in body["errors"]} == {("limit", "query"), ("as_of", "query")}


def test_errors_carry_the_request_id_the_caller_sent(as_role):
    response = as_role("police").get(f"{RULES}/0", headers={"X-Request-ID": "roadside-check-42"})
    body = _problem(response, 404, "not-found")
    assert body["request_id"] == "roadside-check-42"
    assert response.headers["X-Request-ID"] == "roadside-check-42"


def test_a_database_that_is_down_gives_503_with_retry_after(tmp_path):
    from shared.config import sqlite_url
    from tests.conftest import make_settings, make_token

    settings = make_settings("vehicles", "postgresql://postgres@127.0.0.1:1/nowhere",
                             sqlite_url(tmp_path / "auth.sqlite"), tmp_path)
    client = __import__("vehicles").create_app(settings).test_client()
    response = client.get(RULES, headers={"Authorization": f"Bearer {make_token('police')}"})
    body = _problem(response, 503, "database-unavailable")
    assert response.headers["Retry-After"] == "5"
    assert "nowhere" not in body["detail"], "no connection details leak to the client"
    assert client.get("/ready").status_code == 503
