"""`lantian railshift ...`: the railshift service's own commands."""

from __future__ import annotations

import click
from flask import Flask

from shared.service_cli import rules_command

cli = click.Group("railshift", help="The railshift service's commands.")
cli.add_command(rules_command("railshift"))


def register_cli(app: Flask) -> None:
    """Hang the same commands on the app (flask --app railshift ...)."""
    app.cli.add_command(cli)
