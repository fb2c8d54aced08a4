"""Every service answers /health, /ready, /docs, /openapi.json and /metrics."""

from __future__ import annotations

import pytest

from shared.config import SERVICES
from shared.migrate import upgrade


@pytest.fixture(scope="module", params=list(SERVICES))
def service(request: pytest.FixtureRequest) -> str:
    return request.param


def test_health_and_ready(client, service):
    assert client.get("/health").get_json() == {"status": "ok", "service": service}
    ready = client.get("/ready").get_json()
    assert ready["status"] == "ready"
    assert ready["checks"] == {"database": "ok", "migrations": "current"}


def test_openapi_documents_the_api_and_its_bearer_auth(client, service):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == f"lantian {service}"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert any(path.startswith("/api/v1/") for path in spec["paths"])
    assert spec["paths"]["/health"]["get"]["security"] == []


def test_docs_page_loads_its_assets_from_the_service_itself(client):
    page = client.get("/docs").get_data(as_text=True)
    assert "swagger-ui" in page
    assert "https://" not in page, "no CDN: bureau machines often have no internet"
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


def _health_count(client) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    for line in text.splitlines():
        if line.startswith("lantian_http_request_duration_seconds_count") and 'endpoint="ops.health"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests(client):
    before = _health_count(client)
    client.get("/health")
    client.get("/health")
    assert _health_count(client) == before + 2


def test_ready_is_503_until_the_database_is_migrated(service, databases, auth_database_url, tmp_path):
    from tests.conftest import make_settings

    url = databases.new(f"{service}_unmigrated")
    app = __import__(service).create_app(make_settings(service, url, auth_database_url, tmp_path))
    client = app.test_client()
    response = client.get("/ready")
    assert response.status_code == 503
    assert f"lantian db upgrade {service}" in response.get_json()["detail"]
    upgrade(service, url)
    assert client.get("/ready").status_code == 200
    app.extensions["lantian.db"].dispose()
