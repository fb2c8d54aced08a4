"""`lantian gatecontrol ...`: the gatecontrol service's own commands."""

from __future__ import annotations

import importlib
import logging
import time

import click
from flask import Flask

from shared.errors import LantianError
from shared.service_cli import rules_command

logger = logging.getLogger(__name__)
cli = click.Group("gatecontrol", help="The gatecontrol service's commands.")
cli.add_command(rules_command("gatecontrol"))


def _app() -> Flask:
    from shared.config import ConfigError

    try:
        return importlib.import_module("gatecontrol").create_app()
    except ConfigError as exc:  # e.g. a retention below the legal minimum: say so, no traceback
        raise click.ClickException(str(exc)) from exc


@cli.command("sync-vehicles")
@click.option("--once", is_flag=True, help="drain the feed once and exit (for cron); default: keep following it")
@click.option(
    "--interval", type=click.FloatRange(min=0.5), default=10.0, show_default=True, help="seconds between polls"
)
def sync_vehicles_command(once: bool, interval: float) -> None:
    """Follow the vehicles change feed into the local replica, resuming from the stored cursor."""
    from gatecontrol.commands.sync import sync_vehicles

    app = _app()
    while True:
        with app.app_context():
            try:
                result = sync_vehicles()
                click.echo(
                    f"applied {result.applied} changes ({result.ignored} of unknown kinds) cursor {result.cursor}"
                )
            except LantianError as exc:
                if once:
                    raise click.ClickException(exc.detail) from exc
                # the vehicles service being down must not stop the loop: gates keep posting meanwhile
                logger.warning("vehicle sync failed; retrying", extra={"reason": exc.detail})
        if once:
            return
        time.sleep(interval)


@cli.group("retention")
def retention() -> None:
    """Video and ledger retention."""


@retention.command("run")
@click.option("--by", "run_by", default="cron", show_default=True, help="who runs it, for the purge log")
def retention_run(run_by: str) -> None:
    """Purge video and ledger rows past their retention (never younger than the legal minimum; holds kept)."""
    from gatecontrol.commands.retention import PurgeExpired

    app = _app()
    with app.app_context():
        try:
            result = PurgeExpired(run_by=run_by).run()
        except LantianError as exc:
            raise click.ClickException(exc.detail) from exc
    click.echo(f"ledger cut-off {result.ledger_cutoff.isoformat()}, video cut-off {result.video_cutoff.isoformat()}")
    for step in result.steps:
        click.echo(
            f"{step['what']:<12} {step['method']:<15} {step['count']:>10} deleted, {step['held']} held back "
            f"[{step['from'] or 'start'} .. {step['to']})"
        )
    if not result.steps:
        click.echo("nothing to purge")


@cli.group("response-rules")
def response_rules() -> None:
    """What gates must refuse during alerts and campaign seasons."""


@response_rules.command("seed")
def response_rules_seed() -> None:
    """Load gatecontrol/response_rules.yaml (safe to run again)."""
    from gatecontrol.commands.alerts import seed_response_rules
    from shared.db import unit_of_work

    app = _app()
    with app.app_context(), unit_of_work() as db_session:
        counts = seed_response_rules(db_session)
    click.echo(f"response rules: {counts['added']} added, {counts['updated']} updated, {counts['unchanged']} unchanged")


def register_cli(app: Flask) -> None:
    """Hang the same commands on the app (flask --app gatecontrol ...)."""
    app.cli.add_command(cli)
