"""`lantian vehicles ...`: the vehicles service's own commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from shared.service_cli import rules_command

cli = click.Group("vehicles", help="The vehicles service's commands.")
cli.add_command(rules_command("vehicles"))


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check every row and report, write nothing")
@click.option("--batch-size", type=click.IntRange(1, 50_000), default=1000, show_default=True)
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path),
              help="write the row-level error report here (.csv or .xlsx)")
def import_command(file: Path, dry_run: bool, batch_size: int, errors_path: Path | None) -> None:
    """Import a vehicle register (CSV or XLSX, Chinese or English headers) in batches, with a progress bar."""
    from vehicles import create_app
    from vehicles.commands.imports import RunImport, create_job, file_sha256
    from vehicles.models import ImportJob

    app = create_app()
    with app.app_context():
        settings = app.extensions["lantian.settings"]
        job = create_job(file.name, file_sha256(file), dry_run, "cli")
        with click.progressbar(length=max(1, _data_rows(file)), label=f"importing {file.name}",
                               show_pos=True) as bar:  # fmt: skip
            done = 0

            def advance(current: ImportJob) -> None:
                """Move the bar by the rows the last batch read."""
                nonlocal done
                bar.update(current.rows_read - done)
                done = current.rows_read

            command = RunImport(job.id, file, file.name, settings.secret_key, "cli", dry_run, batch_size, advance)
            job = command.run()
        verb = "would insert" if dry_run else "inserted"
        click.echo(f"job {job.id}: {job.state}; {job.rows_read} rows read, {verb} {job.rows_inserted}, "
                   f"updated {job.rows_updated}, unchanged {job.rows_unchanged}, refused {job.rows_invalid}")
        if job.detail:
            click.echo(job.detail, err=True)
        if errors_path and job.rows_invalid:
            _write_errors(job.id, errors_path)
            click.echo(f"row errors written to {errors_path}")
        if job.state == "failed":
            raise click.ClickException("the import stopped; committed batches stay")


def _data_rows(path: Path) -> int:
    """About how many data rows a file has, for the progress bar (CSV: lines; XLSX: the sheet's dimension)."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            return (workbook.worksheets[0].max_row or 1) - 1
        finally:
            workbook.close()
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines - 1


def _write_errors(job_id: str, path: Path) -> None:
    from shared.tabular import error_report_chunks
    from vehicles.daos.imports import stream_row_errors

    fmt = "xlsx" if path.suffix.lower() == ".xlsx" else "csv"
    with path.open("wb") as out:
        for chunk in error_report_chunks(stream_row_errors(job_id), fmt):  # type: ignore[arg-type]
            out.write(chunk)


@cli.command("reference")
def reference_command() -> None:
    """Re-sync the stage inference table, phase-out plans and machinery zones from the shipped YAML (safe to run
    again)."""
    from shared.db import unit_of_work
    from vehicles import create_app
    from vehicles.reference import seed_reference

    app = create_app()
    with app.app_context(), unit_of_work() as session:
        counts = seed_reference(session)
    click.echo(f"reference data: {counts['added']} added, {counts['updated']} updated, {counts['unchanged']} unchanged")


@cli.command("list-rules")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="the day to judge (default: today in the city)")
def list_rules_command(as_of: object) -> None:
    """Run the blacklist rules (not repaired in time, ≥10 % of a fleet over-emitting); safe to run again."""
    from shared.db import utcnow
    from shared.timeutil import local_date
    from vehicles import create_app
    from vehicles.commands.emission_tests import RunListRules

    day = as_of.date() if as_of is not None else local_date(utcnow())  # type: ignore[attr-defined]
    app = create_app()
    with app.app_context():
        report = RunListRules(day).run()
    for made in report.made:
        click.echo(f"{made['entry_id']} {made['reason_code']} {made['subject_key']}: {made['rule']}")
    click.echo(f"list rules as of {day}: {len(report.made)} entries made")


machinery_cli = click.Group("machinery", help="Non-road mobile machinery (非道路移动机械).")
cli.add_command(machinery_cli)


@machinery_cli.command("coverage")
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--area", default=None, help="a district, city or province division code (default: everything)")
def machinery_coverage_command(year: int, area: str | None) -> None:
    """Print the year's spot-check coverage per district against the ≥20 % emission-test target."""
    from shared.db import session
    from vehicles import create_app, parsing
    from vehicles.commands.machinery import city_today
    from vehicles.commands.machinery_reports import coverage_report

    if area is not None:
        try:
            area = parsing.division(area)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--area") from exc
    app = create_app()
    with app.app_context():
        report = coverage_report(session(), year, area, city_today())
    target = report["target"]
    click.echo(f"{year} to {report['as_of_day']}: target "
               + (f">= {target['value']} ({target['source_document']} {target['source_item']})" if target else "none"))
    click.echo(f"{'district':<10} {'machines':>8} {'tested':>7} {'share':>7} {'planned':>7}  met")
    for row in [*report["by_district"], {**report, "district_code": "total"}]:
        met = {True: "yes", False: "NO", None: "-"}[row["target_met"]]
        click.echo(f"{row['district_code']:<10} {row['registered']:>8} {row['tested']:>7} {row['share'] or '-':>7} "
                   f"{row['planned_count'] if row['planned_count'] is not None else '-':>7}  {met}")
    click.echo(f"failures: {report['failures_total']} "
               f"({sum(1 for f in report['failures'] if f['follow_up'] == 'open')} listed still open)")


def register_cli(app: Flask) -> None:
    """Hang the same commands on the app (flask --app vehicles ...)."""
    app.cli.add_command(cli)
