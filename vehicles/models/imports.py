"""Bulk import jobs and the row-level errors they found."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UTCDateTime, utcnow
from vehicles.models.base import Base


class ImportJob(Base):
    """One uploaded or CLI import of a CSV/XLSX file; its counters are updated after every batch."""

    __tablename__ = "import_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12))  # queued | running | done | failed (read: + interrupted)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_invalid: Mapped[int] = mapped_column(Integer, default=0)
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Stamped with every committed batch: a job queued or running that has been silent for
    # LANTIAN_IMPORT_STALE_MINUTES lost its worker (restart, crash) and reads as interrupted.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The upload spooled under $LANTIAN_VAR_DIR/imports (None for a CLI import: the file is the user's); kept
    # until the run ends, so an interrupted job can be run again from it.
    spool_path: Mapped[str | None] = mapped_column(String(500))
    # Bumped by each rerun; a run writes only while its attempt is the job's, so a worker thought dead that
    # wakes up cannot add to the counters of the run that replaced it.
    attempt: Mapped[int] = mapped_column(Integer, default=1)


class ImportRowError(Base):
    """A row the import refused: its line number in the file, the field and the reason."""

    __tablename__ = "import_row_error"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("import_job.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
