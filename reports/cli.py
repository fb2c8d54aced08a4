"""`lantian reports ...` (also `lantian report ...`): upstream checks and the monthly report from the command line."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

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


@cli.command("monthly")
@click.argument("month")
@click.option("--area", default="city", show_default=True, help="'city' or a district division code")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "pdf"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="file to write (json: stdout)")
@click.option("--regenerate", is_flag=True, help="build a new version from the upstreams; the old one is kept")
@click.option("--allow-partial", is_flag=True, help="mark a down service's section unavailable instead of failing")
@click.option("--version", "version", type=click.IntRange(min=1), help="a stored version instead of the newest")
def monthly(
    month: str, area: str, fmt: str, output: Path | None, regenerate: bool, allow_partial: bool, version: int | None
) -> None:
    """Produce the monthly report, e.g. `lantian report monthly 2026-10 --area city --format pdf -o r.pdf`."""
    from reports import create_app
    from reports.commands import GetMonthlyReport
    from reports.render.pdf import render_pdf
    from reports.render.xlsx import report_xlsx_chunks
    from reports.sections import sections
    from shared.errors import LantianError

    if fmt != "json" and output is None:
        raise click.UsageError(f"--format {fmt} writes a file: give it with -o FILE")
    app = create_app()
    specs = sections()
    interactive = sys.stderr.isatty()
    bar = click.progressbar(length=len(specs), label="sections", file=sys.stderr, item_show_func=lambda item: item)
    with app.app_context(), bar:

        def progress(spec: Any, result: dict[str, Any] | None) -> None:
            if result is None:
                bar.current_item = f"{spec.number} {spec.title_en} ({spec.service})"
                bar.render_progress()
                return
            bar.current_item = f"{spec.number} {spec.title_en}: {result['status']}"
            bar.update(1)
            if not interactive:  # a log or a pipe gets one line per section instead of a redrawn bar
                line = f"[{spec.number}/{len(specs)}] {spec.title_en} ({spec.service}): {result['status']}"
                click.echo(line, err=True)

        try:
            report = GetMonthlyReport(
                month=month, area=area, actor=f"cli:{getpass.getuser()}", regenerate=regenerate,
                allow_partial=allow_partial, version=version, progress=progress,
            ).run()  # fmt: skip
        except LantianError as exc:
            raise click.ClickException(exc.detail) from exc
        data = report.data
        if fmt == "json":
            text = json.dumps(data, ensure_ascii=False, indent=2)
            if output is None:
                click.echo(text)
            else:
                output.write_text(text, encoding="utf-8")
        elif fmt == "xlsx":
            with output.open("wb") as target:  # type: ignore[union-attr]
                for chunk in report_xlsx_chunks(data):
                    target.write(chunk)
        else:
            output.write_bytes(render_pdf(data))  # type: ignore[union-attr]
    unavailable = [s for s in data["sections"] if s["status"] != "ok"]
    for section in unavailable:
        click.echo(f"section {section['number']} unavailable ({section['service']}): {section['reason']}", err=True)
    where = f" -> {output}" if output else ""
    click.echo(f"report {data['month']} {data['area']} v{data['version']} ({data['status']}){where}", err=True)


def register_cli(app: Flask) -> None:
    """Hang the same commands on the app (flask --app reports ...)."""
    app.cli.add_command(cli)
