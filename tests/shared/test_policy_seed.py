"""The shipped policy_rules.yaml files: valid, citing text that is really in the plans, loaded idempotently."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from shared.db import unit_of_work
from shared.policy import load_rule_file, seed_rules

POLICY_DIR = Path(__file__).resolve().parents[3] / "shared"  # the team folder beside the repo
SEEDED = ("vehicles", "gatecontrol", "railshift")


@pytest.fixture(scope="module", params=SEEDED)
def service(request: pytest.FixtureRequest) -> str:
    return request.param


def test_every_excerpt_is_quoted_verbatim_from_its_plan(service):
    if not (POLICY_DIR / "policy").is_dir():
        pytest.skip(f"the team folder with the plans is not at {POLICY_DIR}")
    for row in load_rule_file(service):
        if row["source_file"] is None:
            continue
        text = (POLICY_DIR / row["source_file"]).read_text(encoding="utf-8")
        where = f"{row['code']} ({row['jurisdiction']})"
        assert row["source_excerpt"] in text, f"{where}: excerpt not in {row['source_file']}"


def test_seeding_twice_adds_nothing_the_second_time(app, db, service):
    rows = load_rule_file(service)
    model = importlib.import_module(f"{service}.models").PolicyRule
    with app.app_context():
        with unit_of_work() as session:
            first = seed_rules(session, model, rows)
        with unit_of_work() as session:
            second = seed_rules(session, model, rows)
    assert first == {"added": len(rows), "unchanged": 0}
    assert second == {"added": 0, "unchanged": len(rows)}


def test_each_seeded_rule_is_in_force_on_its_first_day_through_the_api(app, db, service, as_role):
    rows = load_rule_file(service)
    model = importlib.import_module(f"{service}.models").PolicyRule
    with app.app_context(), unit_of_work() as session:
        seed_rules(session, model, rows)
    police = as_role("police")
    for row in rows:
        query = {"as_of": row["effective_from"].isoformat(), "code": row["code"], "limit": 500}
        found = police.get("/api/v1/policy-rules", query_string=query).get_json()["items"]
        assert any(r["subject"] == row["subject"] and r["jurisdiction"] == row["jurisdiction"] for r in found), row
