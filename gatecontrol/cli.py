"""`lantian gatecontrol ...`: the gatecontrol service's own commands."""

from __future__ import annotations

import click
from flask import Flask

from shared.service_cli import rules_command

cli = click.Group("gatecontrol", help="The gatecontrol service's commands.")
cli.add_command(rules_command("gatecontrol"))


def register_cli(app: Flask) -> None:
    """Hang the same commands on the app (flask --app gatecontrol ...)."""
    app.cli.add_command(cli)
