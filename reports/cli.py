"""`lantian reports ...`: the reports service's own commands."""

from __future__ import annotations

import click
from flask import Flask

cli = click.Group("reports", help="The reports service's commands.")


@cli.command("sources")
def sources() -> None:
    """Check that every upstream service answers, as the report would."""
    from reports import create_app
    from reports.sources import upstream_status

    with create_app().app_context():
        statuses = upstream_status()
    for entry in statuses:
        click.echo(f"{entry['service']:<12} {entry['status']:<12} {entry['url']}  {entry['detail']}")
    if any(entry["status"] != "ready" for entry in statuses):
        raise SystemExit(1)


def register_cli(app: Flask) -> None:
    """Hang the same commands on the app (flask --app reports ...)."""
    app.cli.add_command(cli)
