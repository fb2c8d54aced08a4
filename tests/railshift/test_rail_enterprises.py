"""Enterprises: idempotent registration by credit code, filters and keyset pages, an enterprise sees only itself."""

from __future__ import annotations

import pytest

from tests.railshift.factories import LINFEN_DISTRICT, XINZHOU_DISTRICT, enterprise_body, register, uscc


def test_registering_twice_with_the_same_body_creates_once_and_changes_nothing(as_role):
    code = uscc()
    first = as_role("transport").put(f"/api/v1/enterprises/{code}", json=enterprise_body())
    again = as_role("transport").put(f"/api/v1/enterprises/{code}", json=enterprise_body())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["updated_at"] == first.get_json()["updated_at"]
    assert (first.get_json()["city_code"], first.get_json()["jurisdiction"]) == ("141000", "linfen")
    changed = as_role("transport").put(f"/api/v1/enterprises/{code}",
                                       json=enterprise_body(siding_status="under_construction"))
    assert changed.status_code == 200
    assert changed.get_json()["siding_status"] == "under_construction"
    assert as_role("environment").get(f"/api/v1/enterprises/{code}").get_json()["siding_status"] == "under_construction"


def test_list_filters_by_district_and_pages_by_credit_code(as_role):
    linfen = sorted(register(as_role) for _ in range(3))
    register(as_role, district=XINZHOU_DISTRICT)
    page = as_role("transport").get("/api/v1/enterprises", query_string={"district_code": LINFEN_DISTRICT,
                                                                         "limit": 2}).get_json()
    assert [e["uscc"] for e in page["items"]] == linfen[:2]
    rest = as_role("transport").get("/api/v1/enterprises", query_string={
        "district_code": LINFEN_DISTRICT, "limit": 2, "cursor": page["next_cursor"]}).get_json()
    assert [e["uscc"] for e in rest["items"]] == linfen[2:]
    assert rest["next_cursor"] is None


def test_an_enterprise_lists_and_reads_only_itself(as_role):
    mine, other = register(as_role), register(as_role)
    me = as_role("enterprise", uscc=mine)
    assert [e["uscc"] for e in me.get("/api/v1/enterprises").get_json()["items"]] == [mine]
    assert me.get(f"/api/v1/enterprises/{mine}").status_code == 200
    assert me.get(f"/api/v1/enterprises/{other}").status_code == 403


@pytest.mark.parametrize(
    ("role", "path_uscc", "body", "status", "field"),
    [
        ("transport", "91141002MA0000001X", {}, 422, "uscc"),
        ("transport", None, {"industry": "bakery"}, 422, "industry"),
        ("transport", None, {"annual_bulk_tonnes": "-5"}, 422, "annual_bulk_tonnes"),
        ("transport", None, {"annual_bulk_tonnes": "lots"}, 422, "annual_bulk_tonnes"),
        ("transport", None, {"district_code": "141000"}, 422, "district_code"),
        ("transport", None, {"siding_status": "maybe"}, 422, "siding_status"),
        ("environment", None, {}, 403, None),
        ("enterprise", None, {}, 403, None),
    ],
)
def test_bad_registrations_are_refused_naming_the_field(as_role, role, path_uscc, body, status, field):
    code = path_uscc or uscc()
    scope = {"uscc": code} if role == "enterprise" else {}
    response = as_role(role, **scope).put(f"/api/v1/enterprises/{code}", json=enterprise_body(**body))
    assert response.status_code == status, response.get_json()
    if field:
        assert field in [e["field"] for e in response.get_json()["errors"]]
    assert as_role("transport").get("/api/v1/enterprises").get_json()["items"] == []
