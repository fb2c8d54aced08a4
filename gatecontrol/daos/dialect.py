"""The dialect's INSERT for the gatecontrol DAOs (PostgreSQL and SQLite both have ON CONFLICT)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def dialect_insert(db_session: Session, table: Table) -> Any:
    """The dialect's INSERT, which has on_conflict_do_nothing / do_update on both PostgreSQL and SQLite."""
    name = db_session.get_bind().dialect.name
    return (pg_insert if name == "postgresql" else sqlite_insert)(table)
