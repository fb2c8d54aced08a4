"""The gatecontrol service's API: one flask-smorest Blueprint per resource."""

from __future__ import annotations

from shared.api import Blueprint


def blueprints() -> list[Blueprint]:
    """Every blueprint the service serves, in documentation order."""
    from gatecontrol.api.alerts import blp as alerts
    from gatecontrol.api.completeness import blp as completeness
    from gatecontrol.api.ledger import blp as ledger
    from gatecontrol.api.passages import blp as passages
    from gatecontrol.api.policy_rules import blp as policy_rules
    from gatecontrol.api.retention import blp as retention
    from gatecontrol.api.sites import blp as sites
    from gatecontrol.api.trips import blp as trips
    from gatecontrol.api.video import blp as video

    return [sites, passages, ledger, trips, alerts, completeness, video, retention, policy_rules]
