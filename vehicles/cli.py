"""`lantian vehicles ...`: the vehicles service's own commands."""

from __future__ import annotations

import click
from flask import Flask

from shared.service_cli import rules_command

cli = click.Group("vehicles", help="The vehicles service's commands.")
cli.add_command(rules_command("vehicles"))


def register_cli(app: Flask) -> None:
    """Hang the same commands on the app (flask --app vehicles ...)."""
    app.cli.add_command(cli)
