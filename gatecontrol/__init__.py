"""gatecontrol: sites, gates, passages (the electronic ledger), video, retention (:8002)."""

from __future__ import annotations

from flask import Flask

from shared.app import create_service_app
from shared.config import Settings

SERVICE = "gatecontrol"


def create_app(config: Settings | None = None) -> Flask:
    """The gatecontrol service's WSGI app, configured from the environment unless settings are given."""
    from gatecontrol.api import blueprints
    from gatecontrol.cli import register_cli

    settings = config or Settings.from_env(SERVICE)
    app = create_service_app(
        __name__,
        settings,
        title="lantian gatecontrol",
        description=(
            "Gate and camera records of key vehicle-using sites: the electronic passage ledger, heavy-"
            "pollution alert response, video and ledger retention."
        ),
        blueprints=blueprints(),
    )
    register_cli(app)
    return app
