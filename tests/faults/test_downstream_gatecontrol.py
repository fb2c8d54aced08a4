"""gatecontrol's vehicle sync with vehicles down or hanging: a clear message, retries, and ingest goes on."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from gatecontrol.cli import cli
from tests.conftest import REPO, RoleClient, closed_port_url, service_env
from tests.gatecontrol.factories import SITE_ID, gate_body, passage, site_body

TIMEOUT = 1.0
RETRIES = 1
SLACK = 5.0  # backoff, app start-up and migrations check of a CLI run on a loaded 2-core machine


@pytest.fixture(scope="module")
def service() -> str:
    return "gatecontrol"


@pytest.fixture
def gate(as_role, client) -> RoleClient:
    admin = as_role("environment")
    assert admin.put(f"/api/v1/sites/{SITE_ID}", json=site_body()).status_code == 201
    for gate_id, direction in (("G1", "in"), ("G2", "out")):
        assert admin.put(f"/api/v1/sites/{SITE_ID}/gates/{gate_id}", json=gate_body(direction)).status_code == 201
    key = admin.post(f"/api/v1/sites/{SITE_ID}/keys", json={"name": "gate PC"}).get_json()["key"]
    return RoleClient(client, key)


def _env(config, vehicles_url: str) -> dict[str, str]:
    env = service_env(config.var_dir, {"gatecontrol": config.database_url}, config.auth_database_url,
                      {"vehicles": vehicles_url})  # fmt: skip
    env.update(LANTIAN_HTTP_TIMEOUT=str(TIMEOUT), LANTIAN_HTTP_RETRIES=str(RETRIES))
    return env


@pytest.mark.parametrize("down", ["refused", "hanging"])
def test_sync_once_with_vehicles_unreachable_exits_1_naming_it_in_time(config, db, down, silent_server):
    url = closed_port_url() if down == "refused" else silent_server.url
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["sync-vehicles", "--once"], env=_env(config, url))
    seconds = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "vehicles service did not answer" in result.output, result.output
    assert "Traceback" not in result.output
    assert seconds < TIMEOUT * (RETRIES + 1) + SLACK, f"{seconds:.1f} s"


def test_the_following_sync_keeps_retrying_while_gates_keep_posting(config, db, gate, silent_server):
    env = _env(config, silent_server.url)
    follower = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "gatecontrol", "sync-vehicles", "--interval", "0.5"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        # While it waits on the hanging vehicles service, the gates post as usual.
        for n in range(5):
            response = gate.post("/api/v1/passages", json=passage(plate=f"晋A{n:05d}"))
            assert response.status_code == 201, response.get_json()
            assert "unknown_vehicle" in response.get_json()["flags"]
        deadline = time.monotonic() + 30
        # three polls begun, each of (retries + 1) tries: the first two have failed and been logged
        while silent_server.accepted < 3 * (RETRIES + 1) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert follower.poll() is None, "the sync loop stopped because vehicles was down"
    finally:
        follower.terminate()
        output, _ = follower.communicate(timeout=20)
    text = output.decode()
    assert silent_server.accepted >= 3 * (RETRIES + 1), text[-2000:]
    assert text.count("vehicle sync failed; retrying") >= 2, text[-2000:]
    assert "Traceback" not in text, text[-2000:]
