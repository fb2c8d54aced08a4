"""reports: the monthly compliance report, built from the other three services over HTTP (:8004)."""

from __future__ import annotations

from flask import Flask

from shared.app import create_service_app
from shared.config import Settings

SERVICE = "reports"
UPSTREAMS = ("vehicles", "gatecontrol", "railshift")
"""The services a report is built from."""


def create_app(config: Settings | None = None) -> Flask:
    """The reports service's WSGI app, configured from the environment unless settings are given."""
    from reports.api import blueprints
    from reports.cli import register_cli

    settings = config or Settings.from_env(SERVICE)
    app = create_service_app(
        __name__,
        settings,
        title="lantian reports",
        description="The monthly compliance report the bureaus read, built from the vehicles, gatecontrol "
        "and railshift services over HTTP.",
        blueprints=blueprints(),
    )
    register_cli(app)
    return app
