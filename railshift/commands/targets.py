"""Add or change who a policy rule applies to (a target's applicability), idempotently."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from railshift.cities import city_jurisdictions
from railshift.daos import ratio_definitions
from railshift.models import PolicyRule, Target
from shared.db import unit_of_work
from shared.errors import ValidationFailed

KEY = re.compile(r"^[a-z0-9_.]{1,120}$")


def upsert_target(key: str, data: dict[str, Any]) -> tuple[Target, bool]:
    """Create or update the target `key`; 422 naming the field when its rule, ratio or city is unknown."""
    if not KEY.match(key):
        reason = "1-120 lower-case letters, digits, '_' and '.', e.g. linfen.rail_share.bulk_freight"
        raise ValidationFailed(f"a target key is {reason}", errors=[{"field": "key", "reason": reason, "in": "path"}])
    with unit_of_work() as db_session:
        if data["jurisdiction"] not in set(city_jurisdictions().values()):
            known = ", ".join(sorted(set(city_jurisdictions().values())))
            raise ValidationFailed(f"no city is mapped to {data['jurisdiction']!r} (targets.yaml cities)",
                                   errors=[{"field": "jurisdiction", "reason": f"one of {known}"}])
        rule = db_session.scalars(select(PolicyRule.id).where(
            PolicyRule.code == data["rule_code"], PolicyRule.jurisdiction == data["jurisdiction"])).first()
        if rule is None:
            raise ValidationFailed(
                f"no policy rule {data['rule_code']} for {data['jurisdiction']}; add it at /api/v1/policy-rules first",
                errors=[{"field": "rule_code", "reason": "no such rule for this jurisdiction"}])
        if data.get("ratio_code") and data["ratio_code"] not in ratio_definitions(db_session):
            raise ValidationFailed(f"no ratio definition {data['ratio_code']!r}",
                                   errors=[{"field": "ratio_code", "reason": "not a defined ratio"}])
        target = db_session.get(Target, key)
        created = target is None
        if target is None:
            target = Target(key=key, **data)
            db_session.add(target)
        else:
            for name, value in data.items():
                setattr(target, name, value)
        db_session.flush()
    return target, created
