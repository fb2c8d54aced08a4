"""The railshift service's API: one flask-smorest Blueprint per resource."""

from __future__ import annotations

from shared.api import Blueprint


def blueprints() -> list[Blueprint]:
    """Every blueprint the service serves, in documentation order."""
    from railshift.api.declarations import blp as declarations
    from railshift.api.enterprises import blp as enterprises
    from railshift.api.files import blp as files
    from railshift.api.policy_rules import blp as policy_rules
    from railshift.api.ratios import blp as ratios
    from railshift.api.reviews import blp as reviews
    from railshift.api.targets import blp as targets

    return [enterprises, declarations, files, reviews, ratios, targets, policy_rules]
