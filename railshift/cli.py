"""`lantian railshift ...`: the railshift service's own commands."""

from __future__ import annotations

import click
from flask import Flask

from shared.service_cli import rules_command

cli = click.Group("railshift", help="The railshift service's commands.")
cli.add_command(rules_command("railshift"))


@cli.command("seed-targets")
def seed_targets_command() -> None:
    """Load targets.yaml (ratio definitions, who each target applies to, reconciliation parameters)."""
    from railshift import create_app
    from railshift.commands.seed import seed_all

    with create_app().app_context():
        counts = seed_all()
    click.echo(f"railshift targets: {counts['added']} added, {counts['updated']} updated, "
               f"{counts['unchanged']} already there")


@cli.command("reconcile")
@click.option("--month", required=True, help="YYYY-MM: every submitted declaration of that month")
def reconcile_command(month: str) -> None:
    """Compare the month's submitted declarations with gatecontrol's trip counts (gatecontrol must be up)."""
    from sqlalchemy import select

    from railshift import create_app
    from railshift.commands.reconcile import reconcile_declaration
    from railshift.models import Declaration
    from shared.db import session

    with create_app().app_context():
        ids = list(session().scalars(select(Declaration.id).where(
            Declaration.month == month, Declaration.status.in_(("submitted", "resubmitted")))))
        session().close()
        outcomes: dict[str, int] = {}
        for declaration_id in ids:
            status = reconcile_declaration(declaration_id).reconciliation_status or "unknown"
            outcomes[status] = outcomes.get(status, 0) + 1
    click.echo(f"{len(ids)} declarations of {month} reconciled: "
               + (", ".join(f"{n} {s}" for s, n in sorted(outcomes.items())) or "none awaiting review"))


def register_cli(app: Flask) -> None:
    """Hang the same commands on the app (flask --app railshift ...)."""
    app.cli.add_command(cli)
