"""railshift: enterprises' freight by mode, rail / clean share, bureau review (:8003)."""

from __future__ import annotations

from flask import Flask

from shared.app import create_service_app
from shared.config import Settings

SERVICE = "railshift"


def create_app(config: Settings | None = None) -> Flask:
    """The railshift service's WSGI app, configured from the environment unless settings are given."""
    from railshift.api import blueprints
    from railshift.cli import register_cli

    settings = config or Settings.from_env(SERVICE)
    app = create_service_app(
        __name__,
        settings,
        title="lantian railshift",
        description=(
            "Enterprises' freight by transport mode, rail and clean-transport shares against target, "
            "transport-bureau review."
        ),
        blueprints=blueprints(),
    )
    register_cli(app)
    return app
