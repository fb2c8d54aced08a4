"""Bulk import of the vehicle register from CSV/XLSX: streamed, validated per row, committed per batch."""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import IO, Any

from flask import Flask, current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from shared.db import Database, database, utcnow
from shared.errors import Conflict
from shared.tabular import RowError, SourceRow, read_table
from vehicles import parsing
from vehicles.commands.registry import (
    FACT_COLUMNS,
    UPSERTED,
    city_today,
    fact_values,
    initial_status,
    operating_event,
    status_conflict,
    updated_facts,
)
from vehicles.daos.changes import append_changes, vehicle_key, vehicle_record
from vehicles.daos.imports import (
    get_job,
    insert_events,
    insert_row_errors,
    insert_vehicles,
    stored_vehicles,
    update_vehicles,
)
from vehicles.daos.registry import inference_table
from vehicles.import_pg import SetwiseImport
from vehicles.imports_spec import VEHICLE_TABLE
from vehicles.models import ImportJob, ImportRowError
from vehicles.rules import InferenceRow
from vehicles.terms import VehicleStatus

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
INTERRUPTED = "interrupted"
UNFINISHED = ("queued", "running")


class ImportSuperseded(Exception):
    """This run's job was rerun by another worker (this one was thought dead): it stops without writing."""


@dataclass
class BatchResult:
    """What one batch did (or, in a dry run, would do)."""

    read: int = 0
    invalid: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _batches(rows: Iterable[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:500]


@dataclass
class PreparedBatch:
    """A batch after parsing (no database needed): the valid rows by key, and the rows refused so far."""

    read: int
    invalid: int
    errors: list[RowError]
    parsed: dict[tuple[str, str], tuple[int, dict[str, Any], dict[str, Any]]]


class BatchWriter:
    """Validates a batch of rows (`prepare`, pure) and applies it in the caller's transaction (`apply`)."""

    def __init__(
        self,
        table: list[InferenceRow],
        secret_key: str,
        actor: str,
        dry_run: bool,
        parser: parsing.RowParser | None = None,
    ) -> None:
        self.table = table
        self.secret_key = secret_key
        self.actor = actor
        self.dry_run = dry_run
        self.parser = parser or parsing.RowParser()

    def run(self, session: Any, rows: list[SourceRow]) -> BatchResult:
        """prepare + apply."""
        return self.apply(session, self.prepare(rows))

    def prepare(self, rows: list[SourceRow]) -> PreparedBatch:
        """Parse and check every row; the valid ones become column values keyed by plate and colour."""
        batch = PreparedBatch(read=len(rows), invalid=0, errors=[], parsed={})
        parsed = batch.parsed
        for row in rows:
            facts, problems = self.parser.parse(row.values)
            if not problems:
                values = fact_values(facts, self.table, self.secret_key)
                key = (values["plate"], values["plate_colour"])
                if key in parsed:
                    problems = [("plate", f"same plate and colour as row {parsed[key][0]} of this file", None)]
                else:
                    parsed[key] = (row.number, facts, values)
            if problems:
                batch.invalid += 1
                batch.errors += [RowError(row.number, name, reason, _text(value)) for name, reason, value in problems]
        return batch

    def apply(self, session: Any, batch: PreparedBatch) -> BatchResult:
        """Insert the new vehicles, update the changed ones, append their change-feed items (not in a dry run)."""
        result = BatchResult(read=batch.read, invalid=batch.invalid, errors=list(batch.errors))
        stored = stored_vehicles(session, list(batch.parsed))
        new_rows, changed_rows, changes, events = [], [], [], []
        now = utcnow()
        for key, (number, facts, values) in batch.parsed.items():
            old = stored.get(key)
            if old is None:
                # parse_vehicle has checked the status date against the registration date
                new_rows.append({**values, **initial_status(facts), "created_at": now, "updated_at": now})
                continue
            conflict = status_conflict(old, facts)
            if conflict:
                result.invalid += 1
                result.errors.append(RowError(number, "status", conflict, _text(facts.get("status"))))
                continue
            diff = updated_facts(old, values)
            if not diff:
                result.unchanged += 1
                continue
            changed_rows.append({**old, **diff, "updated_at": now})
            if "operating" in diff:
                # a register carries no date for the change: it is dated the day the import recorded it
                events.append(operating_event(old["id"], old["operating"], diff["operating"], city_today(),
                                              self.actor, now))
        result.inserted, result.updated = len(new_rows), len(changed_rows)
        if self.dry_run:
            return result
        inactive = [(r["plate"], r["plate_colour"]) for r in new_rows if r["status"] != VehicleStatus.ACTIVE]
        ids = insert_vehicles(session, new_rows, inactive)
        update_vehicles(session, changed_rows, (*FACT_COLUMNS, "updated_at"))
        for row in new_rows:
            changes.append((UPSERTED, vehicle_key(row), vehicle_record(row)))
            if row["status"] != VehicleStatus.ACTIVE:
                events.append({
                    "vehicle_id": ids[(row["plate"], row["plate_colour"])], "kind": "status_changed",
                    "effective_date": row["status_date"], "from_value": None, "to_value": row["status"],
                    "reason": "status on the first registry record", "recorded_at": now, "recorded_by": self.actor,
                })  # fmt: skip
        changes += [(UPSERTED, vehicle_key(row), vehicle_record(row)) for row in changed_rows]
        insert_events(session, events)
        append_changes(session, changes)
        return result


@dataclass
class RunImport:
    """Import one file into the registry (or only check it, `dry_run`), recording progress on the job row."""

    job_id: str
    path: Path
    filename: str
    secret_key: str
    actor: str
    dry_run: bool = False
    batch_size: int = BATCH_SIZE
    on_batch: Callable[[ImportJob], None] | None = None
    # None: set-wise on PostgreSQL (vehicles.import_pg), row-wise batches on SQLite; tests force either, and
    # may send every row of the set-wise path through Python (sql_checks) or commit in smaller chunks.
    setwise: bool | None = None
    sql_checks: bool = True
    chunk_rows: int | None = None
    # The job's attempt this run belongs to (a rerun bumps it); every commit checks it still is the job's.
    attempt: int = 1
    superseded: bool = field(default=False, init=False)

    def run(self) -> ImportJob:
        """Run the command."""
        db = database()
        with db.sessionmaker() as session, session.begin():
            job = get_job(session, self.job_id)
            if job.attempt != self.attempt:
                self.superseded = True
                return job
            job.state, job.heartbeat_at = "running", utcnow()
            table = inference_table(session)
        setwise = db.engine.dialect.name == "postgresql" if self.setwise is None else self.setwise
        try:
            if setwise:
                SetwiseImport(self.job_id, self.path, self.filename, self.secret_key, self.actor, self.dry_run,
                              self.batch_size, table, lambda: self._progress(db), self.sql_checks,
                              self.chunk_rows, attempt=self.attempt, beat=lambda: self._beat(db)).run(db)
            else:
                self._row_wise(db, BatchWriter(table, self.secret_key, self.actor, self.dry_run))
            state, detail = "done", None
        except ImportSuperseded:
            logger.warning("import %s attempt %s: the job was rerun meanwhile; this run stops", self.job_id,
                           self.attempt)
            self.superseded = True
            with db.sessionmaker() as session:
                return get_job(session, self.job_id)
        except Exception as exc:  # the job records why it stopped; batches already committed stay
            logger.exception("import %s failed", self.job_id)
            state, detail = "failed", getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"
            errors = getattr(exc, "errors", None)
            if errors:
                detail += "; " + "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        with db.sessionmaker() as session, session.begin():
            job = get_job(session, self.job_id)
            if job.attempt != self.attempt:
                self.superseded = True
                return job
            # a rerun's note (what the interrupted run had committed) stays on a job that then finishes
            job.state, job.detail, job.finished_at = state, detail or job.detail, utcnow()
            job.heartbeat_at = job.finished_at
        return job

    def _row_wise(self, db: Database, writer: BatchWriter) -> None:
        """Read, check and apply the file batch by batch in Python (SQLite)."""
        rows = read_table(self.path, VEHICLE_TABLE, filename=self.filename)
        for batch in _batches(rows, self.batch_size):
            job = self._apply(db, writer, writer.prepare(batch))
            if self.on_batch:
                self.on_batch(job)

    def _beat(self, db: Database) -> None:
        """Stamp the heartbeat between the long steps of the set-wise path that commit nothing."""
        with db.sessionmaker() as session, session.begin():
            job = get_job(session, self.job_id)
            if job.attempt != self.attempt:
                raise ImportSuperseded(self.job_id)
            job.heartbeat_at = utcnow()

    def _progress(self, db: Database) -> None:
        if self.on_batch:
            with db.sessionmaker() as session:
                self.on_batch(get_job(session, self.job_id))

    def _apply(self, db: Database, writer: BatchWriter, batch: PreparedBatch) -> ImportJob:
        """One batch in one transaction, with the job's counters; retried once if a clerk registered one of its
        vehicles at the same moment (the unique key refuses the insert; the retry finds and updates it)."""
        for attempt in range(2):
            try:
                with db.sessionmaker() as session, session.begin():
                    result = writer.apply(session, batch)
                    job = get_job(session, self.job_id)
                    if job.attempt != self.attempt:
                        raise ImportSuperseded(self.job_id)  # rolls the batch back: the rerun applies it
                    insert_row_errors(session, self.job_id, result.errors)
                    _count(job, result)
                    job.heartbeat_at = utcnow()
                return job
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")


def _count(job: ImportJob, result: BatchResult) -> None:
    job.rows_read += result.read
    job.rows_invalid += result.invalid
    job.rows_inserted += result.inserted
    job.rows_updated += result.updated
    job.rows_unchanged += result.unchanged


def create_job(filename: str, sha256: str, dry_run: bool, actor: str, spool_path: Path | None = None) -> ImportJob:
    """A queued job row, committed so pollers see it at once."""
    with database().sessionmaker() as session, session.begin():
        job = ImportJob(id=uuid.uuid4().hex, filename=filename[:300], file_sha256=sha256, dry_run=dry_run,
                        state="queued", rows_read=0, rows_invalid=0, rows_inserted=0, rows_updated=0,
                        rows_unchanged=0, created_by=actor, heartbeat_at=utcnow(), attempt=1,
                        spool_path=str(spool_path) if spool_path else None)  # fmt: skip
        session.add(job)
    return job


def save_upload(stream: IO[bytes], directory: Path, filename: str) -> tuple[Path, str]:
    """Spool an upload to disk (never into memory) and hash it."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = Path(filename).suffix.lower() if Path(filename).suffix.lower() in (".csv", ".xlsx") else ""
    target = directory / f"{uuid.uuid4().hex}{suffix}"
    digest = hashlib.sha256()
    with target.open("wb") as out:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    return target, digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class StartImport:
    """Accept an uploaded file: spool it, create the job, run it in a background thread of this worker."""

    stream: IO[bytes]
    filename: str
    dry_run: bool
    actor: str

    def run(self) -> ImportJob:
        """Run the command."""
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        settings = app.extensions["lantian.settings"]
        path, digest = save_upload(self.stream, Path(settings.var_dir) / "imports", self.filename)
        try:
            next(iter(read_table(path, VEHICLE_TABLE, filename=self.filename)), None)  # 422 now for a wrong header
        except Exception:
            path.unlink(missing_ok=True)
            raise
        job = create_job(self.filename, digest, self.dry_run, self.actor, spool_path=path)
        _in_background(app, RunImport(job.id, path, self.filename, settings.secret_key, self.actor, self.dry_run))
        return job


def _in_background(app: Flask, command: RunImport) -> None:
    """Run an import in a background thread of this worker; the spooled file is removed after the run, unless
    the job was rerun meanwhile (the rerun reads it)."""

    def work() -> None:
        with app.app_context():
            try:
                command.run()
            finally:
                if not command.superseded:
                    command.path.unlink(missing_ok=True)

    threading.Thread(target=work, name=f"import-{command.job_id}-{command.attempt}", daemon=True).start()


def is_interrupted(state: str, last_sign: datetime, now: datetime, stale_minutes: int) -> bool:
    """A job queued or running whose last heartbeat is `stale_minutes` or more ago lost its worker."""
    return state in UNFINISHED and now - last_sign >= timedelta(minutes=stale_minutes)


def _spooled(job: ImportJob) -> bool:
    return bool(job.spool_path) and Path(job.spool_path).is_file()  # type: ignore[arg-type]


def job_as_read(job: ImportJob, stale_minutes: int, now: datetime | None = None) -> dict[str, Any]:
    """The job as clients see it: one silent for `stale_minutes` reads `interrupted` (a failed state), with a
    detail saying what it had committed and how to finish it."""
    view = {c.key: getattr(job, c.key) for c in ImportJob.__table__.columns if c.key != "spool_path"}
    last = job.heartbeat_at or job.created_at
    if not is_interrupted(job.state, last, now or utcnow(), stale_minutes):
        return view
    committed = (f"{job.rows_read} rows were read and committed ({job.rows_inserted} inserted, {job.rows_updated} "
                 f"updated, {job.rows_unchanged} unchanged, {job.rows_invalid} refused)")
    if _spooled(job):
        then = f"POST /api/v1/vehicle-imports/{job.id}/rerun finishes it from the spooled file"
    elif job.spool_path:
        then = "the spooled file is gone: upload the file again"
    else:
        then = "run the command-line import of the file again"
    view["state"] = INTERRUPTED
    view["detail"] = (f"interrupted: the worker running this import stopped (no batch committed since "
                      f"{last.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC); {committed}; {then} "
                      "(rows already imported come back unchanged)")
    return view


@dataclass
class RerunImport:
    """Run an interrupted upload again from its spooled file: the import is idempotent, so the rows the lost
    worker committed come back unchanged. A finished job is a 409; one still running is returned as it is."""

    job_id: str
    stale_minutes: int

    def run(self) -> tuple[ImportJob, bool]:
        """Run the command; returns the job and whether a new run was started."""
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        settings = app.extensions["lantian.settings"]
        now = utcnow()
        with database().sessionmaker() as session, session.begin():
            job = session.get(ImportJob, self.job_id, with_for_update=True)
            if job is None:
                get_job(session, self.job_id)  # 404
            assert job is not None
            if job.state not in UNFINISHED:
                raise Conflict(f"import {job.id} is {job.state}: a finished import is not run again; upload the "
                               "file again to import it again", errors=[{"field": "state", "reason": job.state}])
            if not is_interrupted(job.state, job.heartbeat_at or job.created_at, now, self.stale_minutes):
                return job, False  # a retried rerun, or a live run: nothing to start
            if not _spooled(job):
                raise Conflict(
                    f"import {job.id} was interrupted and its file is no longer on this server: upload the file "
                    "again (rows already imported come back unchanged)",
                    errors=[{"field": "file", "reason": "the spooled upload is gone"}])
            note = (f"rerun (attempt {job.attempt + 1}) after an interruption; the interrupted run had committed "
                    f"{job.rows_read} rows ({job.rows_inserted} inserted, {job.rows_updated} updated)")
            session.execute(delete(ImportRowError).where(ImportRowError.job_id == job.id))  # reported again
            job.attempt += 1
            job.state, job.heartbeat_at, job.detail, job.finished_at = "queued", now, note, None
            job.rows_read = job.rows_invalid = job.rows_inserted = job.rows_updated = job.rows_unchanged = 0
            command = RunImport(job.id, Path(job.spool_path), job.filename, settings.secret_key, job.created_by,  # type: ignore[arg-type]
                                job.dry_run, attempt=job.attempt)
        _in_background(app, command)
        return job, True
