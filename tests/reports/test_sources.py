"""reports reads the other services over HTTP, says which one is down, and never reports silent zeros."""

from __future__ import annotations

import requests

from tests.conftest import make_token
from tests.factories import policy_rule


def _add_rule(upstream, **overrides) -> dict:
    response = requests.post(f"{upstream.url}/api/v1/policy-rules", json=policy_rule(**overrides),
                             headers={"Authorization": f"Bearer {make_token('admin')}"}, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_sources_lists_every_upstream_as_ready(as_role, upstreams):
    sources = as_role("environment").get("/api/v1/sources").get_json()["sources"]
    assert [(s["service"], s["status"]) for s in sources] == [
        ("vehicles", "ready"), ("gatecontrol", "ready"), ("railshift", "ready")]
    assert sources[0]["url"] == upstreams["vehicles"].url


def test_rules_in_force_are_gathered_from_every_upstream_with_their_service(as_role, upstreams):
    _add_rule(upstreams["railshift"])
    _add_rule(upstreams["gatecontrol"], code="ledger.retention", unit="months", value="24", subject="ledger")
    _add_rule(upstreams["vehicles"], code="old.rule", effective_from="2010-01-01", effective_to="2010-12-31")
    body = as_role("transport").get("/api/v1/policy-rules", query_string={"as_of": "2025-01-01"}).get_json()
    found = {(r["service"], r["code"]) for r in body["rules"]}
    assert found == {("railshift", "rail_share.bulk_freight_with_siding"), ("gatecontrol", "ledger.retention")}
    only = as_role("transport").get("/api/v1/policy-rules",
                                    query_string={"as_of": "2025-01-01", "service": "gatecontrol"}).get_json()
    assert {r["service"] for r in only["rules"]} == {"gatecontrol"}


def test_the_request_id_travels_to_the_upstream(as_role, upstreams):
    response = as_role("environment").get("/api/v1/policy-rules", query_string={"as_of": "2025-01-01"},
                                          headers={"X-Request-ID": "report-2026-10"})
    assert response.status_code == 200
    assert "report-2026-10" in upstreams["vehicles"].request_ids()


def test_an_upstream_that_refuses_fails_the_report_with_a_502_naming_it(as_role, upstreams):
    # These upstreams have no railshift targets loaded, so railshift refuses the ratio views the report reads.
    response = as_role("transport").get("/api/v1/reports/monthly/2026-10")
    assert response.status_code == 502
    problem = response.get_json()
    assert (problem["code"], problem["service"]) == ("upstream-error", "railshift")
    assert "unknown ratio" in problem["detail"]  # railshift's own words travel with it
    partial = as_role("transport").get("/api/v1/reports/monthly/2026-10", query_string={"allow_partial": "true"})
    assert partial.status_code == 200
    transport = next(s for s in partial.get_json()["sections"] if s["key"] == "transport")
    assert (transport["status"], transport["cause"]) == ("unavailable", "upstream_error")
    assert partial.get_json()["status"] == "partial"


def test_a_stopped_upstream_is_named_in_a_503_and_marked_unavailable(as_role, upstreams):
    upstreams["railshift"].stop()
    response = as_role("environment").get("/api/v1/policy-rules", query_string={"as_of": "2025-01-01"})
    assert response.status_code == 503
    problem = response.get_json()
    assert problem["code"] == "upstream-unavailable"
    assert problem["service"] == "railshift"
    assert "railshift" in problem["detail"]
    sources = as_role("environment").get("/api/v1/sources").get_json()["sources"]
    assert {s["service"]: s["status"] for s in sources}["railshift"] == "unavailable"
