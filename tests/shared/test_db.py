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


@pytest.mark.parametrize("wait_for_flush", [True, False], ids=["durable", "relaxed"])
def test_a_write_in_an_autocommit_session_is_kept_without_a_commit(app, probe, wait_for_flush):
    with app.app_context(), autocommit_session(wait_for_flush=wait_for_flush) as db_session:
        db_session.execute(text("INSERT INTO autocommit_probe (n) VALUES (1)"))
    with probe.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM autocommit_probe")).scalar() == 1


def test_only_relaxed_sessions_commit_without_waiting_for_the_flush(app, db, backend):
    if backend != "postgresql":
        pytest.skip("synchronous_commit is a PostgreSQL setting")
    with app.app_context():
        with autocommit_session(wait_for_flush=False) as relaxed:
            assert relaxed.execute(text("SHOW synchronous_commit")).scalar() == "off"
        with autocommit_session() as durable:
            assert durable.execute(text("SHOW synchronous_commit")).scalar() == "on"
    with db.engine.connect() as connection:
        assert connection.execute(text("SHOW synchronous_commit")).scalar() == "on"
