"""Commands every service's `lantian <service>` group shares."""

from __future__ import annotations

import importlib
from datetime import date, datetime

import click

from shared.db import session
from shared.policy import list_rules
from shared.timeutil import zone


def rules_command(service: str) -> click.Command:
    """`lantian <service> rules`: the policy rules in force on a day."""

    @click.command("rules")
    @click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="day (default: today in the city)")
    @click.option("--code", help="only this rule code, e.g. rail_share.bulk_freight_with_siding")
    def rules(as_of: datetime | None, code: str | None) -> None:
        """List the policy rules in force, with their sources."""
        app = importlib.import_module(service).create_app()
        model = importlib.import_module(f"{service}.models").PolicyRule
        day: date = as_of.date() if as_of else datetime.now(zone()).date()
        with app.app_context():
            # code=None lists every rule in force that day
            found = list_rules(session(), model, {"as_of": day, "code": code, "limit": 500}).items
            for rule in found:
                if rule.unit == "date":
                    value = f"{rule.comparison} {rule.value_date or 'no date set'}"
                else:
                    value = f"{rule.comparison} {rule.value.normalize()} {rule.unit}"
                click.echo(
                    f"{rule.code:<48} {rule.jurisdiction:<13} {value!s:<28} {rule.source_document} {rule.source_item}"
                )
        click.echo(f"({len(found)} rules in force on {day})", err=True)

    return rules
