"""The gatecontrol commands as cron runs them: seed response rules, purge with a log, refuse a short retention."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from sqlalchemy import select

from gatecontrol.models import PurgeLog
from tests.conftest import REPO, TEST_SECRET


def gatecontrol_cli(config, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANTIAN_", "PROMETHEUS_"))}
    env.update(LANTIAN_SECRET_KEY=TEST_SECRET, LANTIAN_VAR_DIR=str(config.var_dir),
               LANTIAN_GATECONTROL_DATABASE_URL=config.database_url,
               LANTIAN_AUTH_DATABASE_URL=config.auth_database_url, **extra_env)  # fmt: skip
    return subprocess.run([sys.executable, "-m", "shared.cli", "gatecontrol", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_response_rules_seed_twice_and_a_purge_from_cron_is_logged(config, db):
    first = gatecontrol_cli(config, "response-rules", "seed")
    assert re.search(r"response rules: [1-9]\d* added, 0 updated", first.stdout), first.stderr
    again = gatecontrol_cli(config, "response-rules", "seed")
    assert re.search(r"response rules: 0 added, 0 updated, [1-9]\d* unchanged", again.stdout), again.stderr
    purge = gatecontrol_cli(config, "retention", "run", "--by", "cron@gate-server")
    assert purge.returncode == 0, purge.stderr
    assert "ledger cut-off" in purge.stdout
    with db.sessionmaker() as s:
        assert s.scalars(select(PurgeLog)).all() == []  # nothing old yet: nothing deleted, nothing logged


def test_a_retention_below_the_legal_minimum_stops_the_command(config, db):
    result = gatecontrol_cli(config, "retention", "run", LANTIAN_LEDGER_RETENTION_MONTHS="12")
    assert result.returncode == 1
    assert "Error: LANTIAN_LEDGER_RETENTION_MONTHS=12 is below the legal minimum of 24 months" in result.stderr
    assert "Traceback" not in result.stderr
