"""The reports service's API: one flask-smorest Blueprint per resource."""

from __future__ import annotations

from shared.api import Blueprint


def blueprints() -> list[Blueprint]:
    """Every blueprint the service serves, in documentation order."""
    from reports.api.monthly import blp as monthly
    from reports.api.sources import blp as sources

    return [monthly, sources]
