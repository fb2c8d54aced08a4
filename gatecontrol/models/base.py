"""The declarative base of gatecontrol's tables, and its policy rules."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.policy import PolicyRuleMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class PolicyRule(PolicyRuleMixin, Base):
    """Targets, deadlines and thresholds this service judges against, seeded from policy_rules.yaml."""
