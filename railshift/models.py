"""The railshift service's tables (its own database; no other service reads them)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.policy import PolicyRuleMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class PolicyRule(PolicyRuleMixin, Base):
    """Targets, deadlines and thresholds this service judges against, seeded from policy_rules.yaml."""
