"""Sites, gates and gate keys: idempotent registration, keys shown once, hashed, revocable and rotatable."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from gatecontrol.models import GateKey
from tests.conftest import RoleClient
from tests.gatecontrol.factories import SITE_ID, gate_body, passage, site_body


def test_putting_the_same_site_twice_creates_it_once_then_updates(env_client):
    first = env_client.put("/api/v1/sites/S9", json=site_body())
    again = env_client.put("/api/v1/sites/S9", json=site_body())
    renamed = env_client.put("/api/v1/sites/S9", json=site_body(name="新名称"))
    assert (first.status_code, again.status_code, renamed.status_code) == (201, 200, 200)
    assert env_client.get("/api/v1/sites/S9").get_json()["name"] == "新名称"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (site_body(uscc="91141000MA0KX12341"), "uscc"),
        (site_body(district_code="999999"), "district_code"),
        ({k: v for k, v in site_body().items() if k != "name"}, "name"),
    ],
    ids=["bad-uscc-check-character", "unknown-district", "missing-name"],
)
def test_a_bad_site_is_refused_naming_the_field(env_client, body, field):
    response = env_client.put("/api/v1/sites/S9", json=body)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.get_json()["errors"]}
    assert env_client.get("/api/v1/sites/S9").status_code == 404


def test_a_gate_needs_a_known_site_and_a_valid_direction(env_client, site):
    assert env_client.put("/api/v1/sites/NOPE/gates/G1", json=gate_body()).status_code == 404
    response = env_client.put(f"/api/v1/sites/{SITE_ID}/gates/G3", json=gate_body("sideways"))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "direction"


def test_only_the_bureau_registers_sites(as_role):
    assert as_role("police").put("/api/v1/sites/S9", json=site_body()).status_code == 403


def test_a_key_is_shown_once_and_stored_only_as_its_hash(env_client, site, db):
    issued = env_client.post(f"/api/v1/sites/{SITE_ID}/keys", json={"name": "gate PC"}).get_json()
    assert issued["key"].startswith("lgk_")
    listed = env_client.get(f"/api/v1/sites/{SITE_ID}/keys").get_json()
    assert [k["key_id"] for k in listed] == [issued["key_id"]]
    assert "key" not in listed[0]
    with db.sessionmaker() as s:
        stored = s.scalars(select(GateKey)).one()
    assert stored.key_hash == hashlib.sha256(issued["key"].encode()).hexdigest()
    assert issued["key"] not in {str(v) for v in vars(stored).values()}


def test_an_enterprise_issues_keys_and_reads_gates_of_its_own_sites_only(as_role, site):
    own = as_role("enterprise", uscc=site["uscc"]).post(f"/api/v1/sites/{SITE_ID}/keys", json={})
    other = as_role("enterprise", uscc="91110000600037341L").post(f"/api/v1/sites/{SITE_ID}/keys", json={})
    assert (own.status_code, other.status_code) == (201, 403)
    assert as_role("enterprise", uscc=site["uscc"]).get(f"/api/v1/sites/{SITE_ID}/gates").status_code == 200
    assert as_role("enterprise", uscc="91110000600037341L").get(f"/api/v1/sites/{SITE_ID}/gates").status_code == 403


def test_a_revoked_key_is_refused_at_once(client, env_client, site):
    issued = env_client.post(f"/api/v1/sites/{SITE_ID}/keys", json={}).get_json()
    gate = RoleClient(client, issued["key"])
    assert gate.post("/api/v1/passages", json=passage()).status_code == 201
    revoke = env_client.post(f"/api/v1/sites/{SITE_ID}/keys/{issued['key_id']}/revoke", json={"reason": "PC stolen"})
    assert revoke.status_code == 200
    refused = gate.post("/api/v1/passages", json=passage())
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "token-revoked"


def test_rotation_keeps_the_old_key_working_during_the_overlap_only(client, env_client, site):
    old = env_client.post(f"/api/v1/sites/{SITE_ID}/keys", json={}).get_json()
    new_with_overlap = env_client.post(
        f"/api/v1/sites/{SITE_ID}/keys", json={"retire_key_id": old["key_id"], "overlap_hours": 1}
    ).get_json()
    assert RoleClient(client, old["key"]).post("/api/v1/passages", json=passage()).status_code == 201
    assert RoleClient(client, new_with_overlap["key"]).post("/api/v1/passages", json=passage()).status_code == 201
    newest = env_client.post(
        f"/api/v1/sites/{SITE_ID}/keys", json={"retire_key_id": new_with_overlap["key_id"], "overlap_hours": 0}
    ).get_json()
    assert RoleClient(client, new_with_overlap["key"]).post("/api/v1/passages", json=passage()).status_code == 401
    assert RoleClient(client, newest["key"]).post("/api/v1/passages", json=passage()).status_code == 201


def test_an_unknown_gate_key_is_401_and_jwts_still_work(client, env_client, site):
    assert RoleClient(client, "lgk_not-a-key").post("/api/v1/passages", json=passage()).status_code == 401
    assert env_client.get(f"/api/v1/sites/{SITE_ID}").status_code == 200


def test_a_gate_key_cannot_manage_sites(gate):
    assert gate.put("/api/v1/sites/S9", json=site_body()).status_code == 403
    assert gate.get(f"/api/v1/sites/{SITE_ID}/keys").status_code == 403


def test_a_heartbeat_is_recorded_for_the_gate_of_the_keys_site(gate, env_client):
    assert gate.post("/api/v1/gates/G1/heartbeat", json={}).status_code == 200
    assert gate.post("/api/v1/gates/G9/heartbeat", json={}).status_code == 404
    gates = {g["gate_id"]: g for g in env_client.get(f"/api/v1/sites/{SITE_ID}/gates").get_json()}
    assert gates["G1"]["last_heartbeat_at"] is not None
    assert gates["G2"]["last_heartbeat_at"] is None


def test_with_caching_on_a_new_gate_is_accepted_at_once_and_a_revoked_key_within_the_cache_time(config, db, site):
    from gatecontrol import create_app
    from tests.conftest import make_token

    cached = create_app(config.with_changes(revocation_cache_seconds=60))
    try:
        client = cached.test_client()
        env = RoleClient(client, make_token("environment"))
        key = env.post(f"/api/v1/sites/{SITE_ID}/keys", json={}).get_json()
        gate = RoleClient(client, key["key"])
        assert gate.post("/api/v1/passages", json=passage()).status_code == 201  # fills both caches
        env.put(f"/api/v1/sites/{SITE_ID}/gates/G3", json=gate_body("in"))
        assert gate.post("/api/v1/passages", json=passage(gate_id="G3")).status_code == 201
        env.post(f"/api/v1/sites/{SITE_ID}/keys/{key['key_id']}/revoke", json={"reason": "test"})
        # documented: a revocation bites within LANTIAN_REVOCATION_CACHE_SECONDS, as for JWTs
        assert gate.post("/api/v1/passages", json=passage()).status_code == 201
        cached.extensions["gatecontrol.caches"]["gate_keys"].clear()
        assert gate.post("/api/v1/passages", json=passage()).status_code == 401
    finally:
        cached.extensions["lantian.db"].dispose()
        cached.extensions["lantian.auth_db"].dispose()


def test_site_list_filters_by_area_and_pages_and_an_enterprise_sees_only_its_own(env_client, as_role):
    other = "91141000MA0KX12351"
    env_client.put("/api/v1/sites/A1", json=site_body())  # Yaodu 141002, Linfen
    env_client.put("/api/v1/sites/A2", json=site_body(district_code="141081", industry="cement"))  # Houma, Linfen
    env_client.put("/api/v1/sites/B1", json=site_body(uscc=other, district_code="140105"))  # Taiyuan
    ids = lambda response: [s["site_id"] for s in response.get_json()["items"]]  # noqa: E731

    assert ids(env_client.get("/api/v1/sites?area=141000")) == ["A1", "A2"], "a city code covers its districts"
    assert ids(env_client.get("/api/v1/sites?area=141081")) == ["A2"]
    assert ids(env_client.get("/api/v1/sites?area=140000")) == ["A1", "A2", "B1"], "a province code covers all"
    assert ids(env_client.get("/api/v1/sites?industry=cement")) == ["A2"]
    first = env_client.get("/api/v1/sites?limit=2").get_json()
    rest = env_client.get(f"/api/v1/sites?limit=2&cursor={first['next_cursor']}").get_json()
    assert [s["site_id"] for s in first["items"] + rest["items"]] == ["A1", "A2", "B1"]
    assert rest["next_cursor"] is None
    assert ids(as_role("enterprise", uscc=other).get("/api/v1/sites")) == ["B1"]
    bad = env_client.get("/api/v1/sites?area=999999")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "area"
