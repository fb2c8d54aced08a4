"""The vehicles service's API: one flask-smorest Blueprint per resource."""

from __future__ import annotations

from shared.api import Blueprint


def blueprints() -> list[Blueprint]:
    """Every blueprint the service serves, in documentation order."""
    from vehicles.api.changes import blp as changes
    from vehicles.api.checks import blp as checks
    from vehicles.api.emission_tests import blp as emission_tests
    from vehicles.api.imports import blp as imports
    from vehicles.api.list_summaries import blp as list_summaries
    from vehicles.api.lists import blp as lists
    from vehicles.api.machinery import blp as machinery
    from vehicles.api.nev import blp as nev
    from vehicles.api.phaseout import blp as phaseout
    from vehicles.api.policy_rules import blp as policy_rules
    from vehicles.api.vehicles import blp as vehicles

    return [vehicles, imports, changes, phaseout, nev, policy_rules, lists, list_summaries, checks, emission_tests,
            machinery]
