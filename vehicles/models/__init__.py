"""The vehicles service's tables (its own database; no other service reads them)."""

from __future__ import annotations

from shared.policy import PolicyRuleMixin
from vehicles.models.base import Base
from vehicles.models.changes import ChangeLog
from vehicles.models.emission_tests import EmissionTest
from vehicles.models.imports import ImportJob, ImportRowError
from vehicles.models.lists import CheckLog, ListEntry, ListEntryEvent
from vehicles.models.machinery import LowEmissionZone, Machine, MachineEvent, MachineInspection, SpotCheckPlan
from vehicles.models.plans import PhaseoutPlan, StageInferenceRule
from vehicles.models.registry import Vehicle, VehicleEvent


class PolicyRule(PolicyRuleMixin, Base):
    """Targets, deadlines and thresholds this service judges against, seeded from policy_rules.yaml."""


__all__ = [
    "Base",
    "ChangeLog",
    "CheckLog",
    "EmissionTest",
    "ImportJob",
    "ImportRowError",
    "ListEntry",
    "ListEntryEvent",
    "LowEmissionZone",
    "Machine",
    "MachineEvent",
    "MachineInspection",
    "PhaseoutPlan",
    "PolicyRule",
    "SpotCheckPlan",
    "StageInferenceRule",
    "Vehicle",
    "VehicleEvent",
]
