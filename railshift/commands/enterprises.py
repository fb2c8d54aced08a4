"""Register and update enterprises (idempotent upsert by credit code)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from railshift.daos import enterprise_by_uscc
from railshift.models import Enterprise
from railshift.rules import city_code_of
from shared.db import unit_of_work, utcnow


def upsert_enterprise(uscc: str, data: dict[str, Any]) -> tuple[Enterprise, bool]:
    """Create or update the enterprise with this credit code; the same body again changes nothing."""
    try:
        return _upsert(uscc, data)
    except IntegrityError:  # a concurrent first PUT created it: this one is now an update
        return _upsert(uscc, data)


def _upsert(uscc: str, data: dict[str, Any]) -> tuple[Enterprise, bool]:
    with unit_of_work() as db_session:
        enterprise = enterprise_by_uscc(db_session, uscc)
        created = enterprise is None
        if enterprise is None:
            enterprise = Enterprise(uscc=uscc)
            db_session.add(enterprise)
        changed = created
        values = {**data, "city_code": city_code_of(data["district_code"])}
        for name, value in values.items():
            if getattr(enterprise, name) != value:
                setattr(enterprise, name, value)
                changed = True
        if changed:
            enterprise.updated_at = utcnow()
        db_session.flush()
    return enterprise, created
