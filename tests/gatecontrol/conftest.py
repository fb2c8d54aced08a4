"""gatecontrol tests: the service's app on both backends, with a registered site, gates and a gate key."""

from __future__ import annotations

import pytest

from tests.conftest import RoleClient
from tests.gatecontrol.factories import SITE_ID, USCC, gate_body, site_body


@pytest.fixture(scope="module")
def service() -> str:
    return "gatecontrol"


@pytest.fixture
def env_client(as_role) -> RoleClient:
    """The environment bureau."""
    return as_role("environment")


@pytest.fixture
def site(env_client) -> dict:
    """A registered steel plant with an in gate G1 and an out gate G2."""
    response = env_client.put(f"/api/v1/sites/{SITE_ID}", json=site_body())
    assert response.status_code == 201, response.get_json()
    for gate_id, direction in (("G1", "in"), ("G2", "out")):
        assert env_client.put(f"/api/v1/sites/{SITE_ID}/gates/{gate_id}", json=gate_body(direction)).status_code == 201
    return response.get_json()


@pytest.fixture
def gate(client, env_client, site) -> RoleClient:
    """The site's gate system, posting with a freshly issued gate key."""
    response = env_client.post(f"/api/v1/sites/{SITE_ID}/keys", json={"name": "gate PC"})
    assert response.status_code == 201, response.get_json()
    return RoleClient(client, response.get_json()["key"])


@pytest.fixture
def enterprise(as_role) -> RoleClient:
    return as_role("enterprise", uscc=USCC)
