"""vehicles: registry, phase-out, NEV share, machinery, blacklists, police checks (:8001)."""

from __future__ import annotations

from flask import Flask

from shared.app import create_service_app
from shared.config import Settings

SERVICE = "vehicles"


def create_app(config: Settings | None = None) -> Flask:
    """The vehicles service's WSGI app, configured from the environment unless settings are given."""
    from vehicles.api import blueprints
    from vehicles.cli import register_cli

    settings = config or Settings.from_env(SERVICE)
    app = create_service_app(
        __name__,
        settings,
        title="lantian vehicles",
        description=(
            "Vehicle registry, China III/IV diesel-truck phase-out, new-energy share of public fleets, non-"
            "road machinery, blacklists and police checks."
        ),
        blueprints=blueprints(),
    )
    register_cli(app)
    return app
