"""Autocommit sessions: each statement is kept by itself on both databases; audit connections may skip the flush."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text

from shared.db import Database, autocommit_session


@pytest.fixture
def probe(app: Flask, db: Database) -> Iterator[Database]:
    """A scratch table of one integer column, dropped afterwards."""
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE autocommit_probe (n INTEGER)"))
    yield db
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE autocommit_probe"))


def test_a_write_in_an_autocommit_session_is_kept_without_a_commit(app, probe):
    with app.app_context(), autocommit_session() as db_session:
        db_session.execute(text("INSERT INTO autocommit_probe (n) VALUES (1)"))
    with probe.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM autocommit_probe")).scalar() == 1


def test_an_autocommit_sessions_settings_stay_on_its_own_pool_and_every_commit_is_durable(app, db, backend):
    if backend != "postgresql":
        pytest.skip("connection settings are PostgreSQL's")
    tuned = {"plan_cache_mode": "force_generic_plan"}
    with app.app_context():
        with autocommit_session(settings=tuned) as session_with:
            assert session_with.execute(text("SHOW plan_cache_mode")).scalar() == "force_generic_plan"
            assert session_with.execute(text("SHOW synchronous_commit")).scalar() == "on"
        with autocommit_session() as plain:
            assert plain.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
            assert plain.execute(text("SHOW synchronous_commit")).scalar() == "on"
    with db.engine.connect() as connection:
        assert connection.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
