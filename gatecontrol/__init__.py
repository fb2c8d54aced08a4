"""gatecontrol: sites, gates, passages (the electronic ledger), video, retention (:8002)."""

from __future__ import annotations

from flask import Flask

from shared.app import create_service_app
from shared.auth import register_token_resolver
from shared.config import Settings

SERVICE = "gatecontrol"


def create_app(config: Settings | None = None) -> Flask:
    """The gatecontrol service's WSGI app, configured from the environment unless settings are given."""
    from gatecontrol.api import blueprints
    from gatecontrol.cli import register_cli
    from gatecontrol.commands.sites import KEY_PREFIX, resolve_gate_key
    from gatecontrol.config import GateSettings
    from gatecontrol.schemas import BatchItemResultSchema

    settings = config or Settings.from_env(SERVICE)
    gate_settings = GateSettings.from_settings(settings)  # refuses to start below the legal retention
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
    app.extensions["gatecontrol.settings"] = gate_settings
    # the batch answer's items are sent as built; document their shape for integrators
    app.extensions["lantian.api"].spec.components.schema("BatchItemResult", schema=BatchItemResultSchema)
    register_token_resolver(app, KEY_PREFIX, resolve_gate_key)
    register_cli(app)
    return app
