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
    """Re-sync the stage inference table and phase-out plans from the shipped YAML (safe to run again)."""
    from shared.db import unit_of_work
    from vehicles import create_app
    from vehicles.reference import sync_reference

    app = create_app()
    with app.app_context(), unit_of_work() as session:
        counts = sync_reference(session)
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


def register_cli(app: Flask) -> None:
    """Hang the same commands on the app (flask --app vehicles ...)."""
    app.cli.add_command(cli)
