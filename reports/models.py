"""The reports service's tables (its own database). Stored monthly reports arrive with the report issue."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
