"""The vehicles tests run against the vehicles app on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from shared.db import Database, unit_of_work
from vehicles.reference import sync_reference


@pytest.fixture(scope="module")
def service() -> str:
    return "vehicles"


@pytest.fixture
def db(db: Database, app: Flask) -> Iterator[Database]:
    """The migration ships the reference tables; the shared fixture empties every table after a test, so
    they are put back before each one."""
    with app.app_context(), unit_of_work() as session:
        sync_reference(session)
    yield db
