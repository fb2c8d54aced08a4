"""railshift's reconciliation with gatecontrol hanging: the submission goes through, marked unavailable, in time.

(gatecontrol refusing connections is covered in tests/railshift/test_rail_reconciliation_down.py.)
"""

from __future__ import annotations

import time

import pytest

from shared.config import Settings
from tests.faults.conftest import SilentServer
from tests.railshift.factories import declare, rail_split, register, step

TIMEOUT = 1.0
RETRIES = 1
SLACK = 3.0


@pytest.fixture(scope="module")
def service() -> str:
    return "railshift"


@pytest.fixture(scope="module")
def hanging_gatecontrol():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def config(config: Settings, hanging_gatecontrol: SilentServer) -> Settings:
    urls = {**config.service_urls, "gatecontrol": hanging_gatecontrol.url}
    return config.with_changes(service_urls=urls, http_timeout=TIMEOUT, http_retries=RETRIES)


@pytest.fixture
def seeded(app, db):
    """The shipped policy rules and targets (as tests/railshift/conftest.py loads them)."""
    from railshift.commands.seed import seed_targets
    from railshift.models import PolicyRule
    from shared.db import unit_of_work
    from shared.policy import load_rule_file, seed_rules

    with app.app_context(), unit_of_work() as db_session:
        seed_rules(db_session, PolicyRule, load_rule_file("railshift"))
        seed_targets(db_session)
    return db


def test_a_submission_with_gatecontrol_hanging_is_saved_marked_unavailable_within_the_timeout(
    as_role, seeded, hanging_gatecontrol
):
    code = register(as_role, site_ids=["S-HANG-1"])
    draft = declare(as_role, code, "2025-03", rail_split(800, 200))
    started = time.monotonic()
    submitted = step(as_role, draft["id"], "submit", "enterprise", code)
    seconds = time.monotonic() - started
    assert submitted.status_code == 200, submitted.get_json()
    body = submitted.get_json()
    assert (body["status"], body["reconciliation_status"]) == ("submitted", "unavailable")
    assert "gatecontrol" in body["reconciliation"]["reason"]
    assert hanging_gatecontrol.accepted >= 1
    assert seconds < TIMEOUT * (RETRIES + 1) + SLACK, f"{seconds:.1f} s waiting on a hanging gatecontrol"
    # The bureau asks again by hand: the same answer, in the same bound.
    started = time.monotonic()
    again = as_role("transport").post(f"/api/v1/declarations/{draft['id']}/reconciliation")
    assert again.status_code == 200 and again.get_json()["reconciliation_status"] == "unavailable"
    assert time.monotonic() - started < TIMEOUT * (RETRIES + 1) + SLACK
