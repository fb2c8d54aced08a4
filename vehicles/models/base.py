"""The declarative base of the vehicles database (its own metadata and naming convention)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata


class Base(DeclarativeBase):
    """Declarative base of the vehicles tables."""
    metadata = new_metadata()
