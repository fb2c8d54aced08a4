"""railshift tests: its own app and database; gatecontrol is a port nothing listens on unless a test starts it."""

from __future__ import annotations

import pytest

from shared.config import Settings
from tests.conftest import closed_port_url


@pytest.fixture(scope="module")
def service() -> str:
    return "railshift"


@pytest.fixture(scope="module")
def config(config: Settings) -> Settings:
    # A closed port: submissions reconcile against "gatecontrol" and must find it unreachable, quickly.
    urls = {**config.service_urls, "gatecontrol": closed_port_url()}
    return config.with_changes(service_urls=urls, http_retries=0)


@pytest.fixture
def seeded(app, db):
    """The shipped policy rules and targets.yaml loaded (every table is emptied after each test)."""
    from railshift.commands.seed import seed_targets
    from railshift.models import PolicyRule
    from shared.db import unit_of_work
    from shared.policy import load_rule_file, seed_rules

    with app.app_context(), unit_of_work() as db_session:
        seed_rules(db_session, PolicyRule, load_rule_file("railshift"))
        seed_targets(db_session)
    return db
