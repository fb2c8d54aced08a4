"""The set-wise import on PostgreSQL: the file into a staging table, checks and upsert in SQL, Python only for
the distinct terms and the rows the SQL checks do not pass.

Same answers as the row-wise import (vehicles.commands.imports.BatchWriter, kept for SQLite): the same row
errors word for word, the same stage inference, the same counters, the same change-feed items. Duplicates of a
plate and colour within one batch of `batch_size` rows are refused as the row-wise import refuses them; a
repeat in a later batch is applied after the earlier one, as it would be batch by batch. Writes are committed
per chunk (a whole number of batches, about CHUNK_TARGET rows) with the chunk's change-feed items, history
rows, row errors and the job's counters, so pollers see progress and the feed lock is held briefly.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg

from shared.db import Database, utcnow
from shared.tabular import _cell_text
from shared.timeutil import zone
from vehicles import import_sql as q
from vehicles.commands.registry import (
    OPERATING_CHANGED,
    OPERATING_REASON,
    UPSERTED,
    city_today,
    fact_values,
    initial_status,
)
from vehicles.daos.changes import FEED_LOCK_KEY
from vehicles.daos.imports import _copy_text
from vehicles.import_stage import STAGE, Stage, load_stage, stage_rows
from vehicles.imports_spec import VEHICLE_TABLE
from vehicles.parsing import VEHICLE_FIELDS, RowParser
from vehicles.rules import InferenceRow, infer_stage

logger = logging.getLogger(__name__)

CHUNK_TARGET = 25_000

# The job's heartbeat, stamped with each chunk's counters; no row means the job was rerun by another worker.
HEARTBEAT = "UPDATE import_job SET heartbeat_at = %(now)s WHERE id = %(job)s AND attempt = %(attempt)s"

# vehicles.commands.registry.operating_event, set-wise: run before the update, while the vehicle has the old flag.
_WORD = "CASE WHEN {} THEN 'operating' ELSE 'non_operating' END"
OPERATING_EVENTS = f"""
INSERT INTO vehicle_event (vehicle_id, kind, effective_date, from_value, to_value, reason, recorded_at, recorded_by)
SELECT c.vid, '{OPERATING_CHANGED}', %(today)s, {_WORD.format("v.operating")}, {_WORD.format("c.operating")},
       %(reason)s, %(now)s, %(actor)s
FROM import_cmp c JOIN vehicle v ON v.id = c.vid
WHERE c.changed AND NOT c.conflict AND c.operating IS DISTINCT FROM v.operating ORDER BY c.row_no"""


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:500]


def _copy(cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(text.encode())


@dataclass
class ChunkResult:
    """What one committed chunk did."""

    read: int = 0
    invalid: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class SetwiseImport:
    """Import a file set-wise; `on_chunk()` is called after each committed chunk (progress for pollers)."""

    job_id: str
    path: Path
    filename: str
    secret_key: str
    actor: str
    dry_run: bool
    batch_size: int
    table: list[InferenceRow]
    on_chunk: Callable[[], None] | None = None
    sql_checks: bool = True  # False: every row through vehicles.parsing (for tests comparing the two)
    chunk_rows: int | None = None
    attempt: int = 1  # the job's attempt this run belongs to (see vehicles.commands.imports.RerunImport)
    beat: Callable[[], None] | None = None  # stamps the heartbeat between the steps that commit nothing
    _rules: dict[tuple[str, str], list[InferenceRow]] = field(default_factory=dict)

    def run(self, db: Database) -> None:
        """Run the import on a connection of its own (the staging tables are temporary tables of it)."""
        raw = db.engine.raw_connection()
        pg: psycopg.Connection = raw.driver_connection  # type: ignore[assignment]
        pg.autocommit = True
        try:
            # compiling these one-off statements costs seconds and saves less (for this connection, until the end)
            pg.execute("SET jit = off")
            stage = load_stage(pg, self.path, VEHICLE_TABLE, self.filename)
            self._beat()
            with pg.transaction(), pg.cursor() as cursor:
                # statistics from a small sample are enough to plan hash joins against the small term tables
                cursor.execute("SET LOCAL default_statistics_target = 10")
                cursor.execute(f"ANALYZE {STAGE}")
                cursor.execute(q.TEMP_TABLES)
                # the server-side cursors read every row: plan for all of them, not for the first tenth
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
                self._terms(pg, cursor, stage)
                ipad, opad = q.hmac_pads(self.secret_key)
                today = datetime.now(zone()).date()
                # every join here is best hashed on the small side (the regex checks make the estimates small)
                cursor.execute("SET LOCAL enable_nestloop = off")
                cursor.execute("SET LOCAL enable_mergejoin = off")
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute(q.classify_sql(stage, self.sql_checks), {"today": today, "ipad": ipad, "opad": opad})
                cursor.execute("RESET enable_nestloop")
                cursor.execute("RESET enable_mergejoin")
                cursor.execute("RESET work_mem")
                cursor.execute("ANALYZE import_ready")
                self._beat()
                blank = self._slow_rows(pg, cursor, stage)
                cursor.execute("CREATE INDEX ON import_ready (row_no)")
                cursor.execute("CREATE INDEX ON import_errs (row_no)")
                rounds = self._duplicates(cursor, stage, blank)
                cursor.execute(f"SELECT coalesce(max(row_no), 0) FROM {STAGE}")
                last_row = cursor.fetchone()[0]
            self._beat()
            step = self.chunk_rows or self.batch_size * max(1, CHUNK_TARGET // self.batch_size)
            for lo in range(0, last_row + 1, step):
                result = self._retried_chunk(pg, lo, lo + step, rounds)
                if result.read and self.on_chunk:
                    self.on_chunk()
        finally:
            try:
                pg.execute("DISCARD TEMP")
                pg.execute("RESET jit")
                pg.autocommit = False
            except psycopg.Error:
                logger.warning("import %s: could not clean its connection up; dropping it", self.job_id)
                raw.invalidate()
            raw.close()

    def _beat(self) -> None:
        if self.beat:
            self.beat()

    # ---- reading ------------------------------------------------------------------------------------

    def _terms(self, pg: psycopg.Connection, cursor: Any, stage: Stage) -> None:
        """Read every distinct combination, triple and term text once, with vehicles.parsing."""
        sql, combo, terms = q.term_sets_sql(stage)
        parser = RowParser()
        width = len(combo) + len(q.TRIPLE)
        cursor.execute("SET LOCAL work_mem = '256MB'")
        for page in stage_rows(pg, sql, {}):
            combos, triples = [], []
            singles: dict[str, list[tuple[Any, ...]]] = {name: [] for name in terms}
            for row in page:
                which = row[-1]
                if which == 0:
                    combos.append(self._combo(parser, combo, row[: len(combo)]))
                elif which == 1:
                    triples.append(self._triple(parser, row[len(combo): width]))
                else:
                    name = terms[which - 2]
                    raw = row[width + which - 2]
                    if raw is not None:
                        singles[name].append((raw, *self._read(parser, name, raw)))
            _copy(cursor, "import_combo", ["key", "ok", "stage_given", *(f"v_{n}" for n in combo)], combos)
            _copy(cursor, "import_infer", ("fuel_raw", "class_raw", "date_raw", "ok", "registered", "stage",
                                           "rule_id"), [t for t in triples if t is not None])
            for name, rows in singles.items():
                _copy(cursor, f"import_term_{name}", ("raw", "state", "value"), rows)
        cursor.execute("RESET work_mem")
        for table in ("import_combo", "import_infer", *(f"import_term_{n}" for n in terms)):
            cursor.execute(f"ANALYZE {table}")

    @staticmethod
    def _read(parser: RowParser, name: str, raw: str | None) -> tuple[str, str | None]:
        cell = _cell_text(raw)
        if cell is None:
            return "missing", None
        ok, result = parser._read(name, VEHICLE_FIELDS[name][0], cell)
        return ("ok", _as_text(result)) if ok else ("bad", None)

    def _combo(self, parser: RowParser, names: list[str], keys: Sequence[str]) -> tuple[Any, ...]:
        """A combination's readings; `ok` when none is bad and every required one is there."""
        states = [self._read(parser, name, key) for name, key in zip(names, keys, strict=True)]
        ok = all(state == "ok" or (state == "missing" and name not in q.REQUIRED)
                 for name, (state, _) in zip(names, states, strict=True))
        given = "emission_stage" in names and states[names.index("emission_stage")][0] == "ok"
        if any(q.COMBO_SEPARATOR in key for key in keys):
            ok = False  # such a key could be mistaken for another: the row is read in Python
        return (q.COMBO_SEPARATOR.join(keys), ok, given, *(value for _, value in states))

    def _triple(self, parser: RowParser, raws: Sequence[str | None]) -> tuple[Any, ...] | None:
        """A (fuel, class, registration date) triple: the date read, and the stage inferred from all three."""
        if None in raws:
            return None
        read = []
        for name, raw in zip(q.TRIPLE, raws, strict=True):
            cell = _cell_text(raw)
            ok, value = parser._read(name, VEHICLE_FIELDS[name][0], cell) if cell else (False, None)
            if not ok:
                return (*raws, False, None, None, None)
            read.append(value)
        fuel, vehicle_class, registered = read
        # the rows that can match this fuel and class, in table order: infer_stage over them answers the same
        rows = self._rules.get((fuel, vehicle_class))
        if rows is None:
            rows = self._rules[(fuel, vehicle_class)] = [r for r in self.table if (not r.fuels or fuel in r.fuels)
                                                         and (not r.classes or vehicle_class in r.classes)]
        stage, rule_id = infer_stage(rows, fuel, vehicle_class, registered)
        return (*raws, True, registered, stage, rule_id)

    def _slow_rows(self, pg: psycopg.Connection, cursor: Any, stage: Stage) -> list[int]:
        """Rows the SQL checks did not pass, read as the row-wise import reads them; returns the blank ones."""
        parser = RowParser()
        keys = {key: stage.file_columns.index(column) for key, column in stage.columns.items()}
        blank: list[int] = []
        for page in stage_rows(pg, q.slow_rows_sql(stage), {}):
            ready, errors = [], []
            for row_no, *raw in page:
                cells = [_cell_text(value) for value in raw]
                if not any(cells):
                    blank.append(row_no)
                    continue
                facts, problems = parser.parse({key: cells[index] for key, index in keys.items()})
                if problems:
                    errors += [(row_no, n, name, reason, _text(value))
                               for n, (name, reason, value) in enumerate(problems)]
                    continue
                values = {**fact_values(facts, self.table, self.secret_key), **initial_status(facts)}
                ready.append([row_no, *(values[c] for c in q.READY_COLUMNS[1:-1]), facts.get("status")])
            _copy(cursor, "import_ready", q.READY_COLUMNS, ready)
            _copy(cursor, "import_errs", ("row_no", "n", "field", "reason", "value"), errors)
        return blank

    def _duplicates(self, cursor: Any, stage: Stage, blank: list[int]) -> int:
        """Refuse a plate and colour seen earlier in the same batch; order repeats in later batches in rounds.
        Returns the number of rounds."""
        cursor.execute(q.DUPLICATES)
        rows = cursor.fetchall()
        if not rows:
            return 1
        cursor.execute(q.ordinals_sql(stage), {"rows": [r[0] for r in rows]})
        ordinal = {row_no: ord_ - bisect.bisect_left(blank, row_no) for row_no, ord_ in cursor.fetchall()}
        first_in_batch: dict[tuple[int, str, str], int] = {}
        seen: dict[tuple[str, str], int] = {}
        refused, rounds = [], []
        for row_no, plate, colour in rows:
            batch = (ordinal[row_no] - 1) // self.batch_size
            first = first_in_batch.setdefault((batch, plate, colour), row_no)
            if first != row_no:
                refused.append((row_no, 0, "plate", f"same plate and colour as row {first} of this file", None))
                continue
            seen[(plate, colour)] = seen.get((plate, colour), 0) + 1
            if seen[(plate, colour)] > 1:
                rounds.append((row_no, seen[(plate, colour)]))
        if refused:
            cursor.execute("DELETE FROM import_ready WHERE row_no = ANY(%(rows)s)", {"rows": [r[0] for r in refused]})
            _copy(cursor, "import_errs", ("row_no", "n", "field", "reason", "value"), refused)
        if rounds:
            cursor.execute("UPDATE import_ready r SET round = x.round FROM unnest(%(rows)s::bigint[], "
                           "%(rounds)s::int[]) AS x(row_no, round) WHERE r.row_no = x.row_no",
                           {"rows": [r for r, _ in rounds], "rounds": [n for _, n in rounds]})
        return max([1, *(n for _, n in rounds)])

    # ---- writing ------------------------------------------------------------------------------------

    def _retried_chunk(self, pg: psycopg.Connection, lo: int, hi: int, rounds: int) -> ChunkResult:
        """A chunk in its own transaction, run again once if a clerk registered one of its plates meanwhile."""
        for attempt in range(2):
            try:
                with pg.transaction(), pg.cursor() as cursor:
                    return self._chunk(cursor, lo, hi, rounds)
            except psycopg.errors.UniqueViolation:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _chunk(self, cursor: Any, lo: int, hi: int, rounds: int) -> ChunkResult:
        """One chunk of rows (by row number) in the caller's transaction, with the job's counters."""
        span = {"lo": lo, "hi": hi, "job": self.job_id}
        cursor.execute(q.CHUNK_COUNTS, span)
        ready, refused = cursor.fetchone()
        result = ChunkResult(read=ready + refused, invalid=refused)
        if not result.read:
            return result
        now = utcnow()
        for number in range(1, rounds + 1):
            params = {**span, "round": number, "now": now, "actor": self.actor, "kind": UPSERTED}
            cursor.execute("TRUNCATE import_chunk, import_cmp")
            cursor.execute(q.FILL_CHUNK, params)
            cursor.execute(q.COUNT_NEW)
            new, stored = cursor.fetchone()
            result.inserted += new
            if stored:
                if not self.dry_run:
                    cursor.execute(q.LOCK_STORED)
                cursor.execute(q.COMPARE)
            cursor.execute(q.CMP_COUNTS)
            conflicts, updated, unchanged = cursor.fetchone()
            result.invalid += conflicts
            result.updated += updated
            result.unchanged += unchanged
            if conflicts:
                cursor.execute(q.CONFLICT_ERRORS, params)
            if self.dry_run or not (new or updated):
                continue
            cursor.execute(q.INSERT_NEW, params)
            if updated:
                cursor.execute(OPERATING_EVENTS, {**params, "today": city_today(), "reason": OPERATING_REASON})
            cursor.execute(q.UPDATE_CHANGED, params)
            cursor.execute(q.INSERT_EVENTS, params)
            # the feed's lock, as vehicles.daos.changes.append_changes takes it: seq order is commit order
            cursor.execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": FEED_LOCK_KEY})
            cursor.execute("SELECT coalesce(max(seq), 0) FROM change_log")
            cursor.execute(q.APPEND_FEED, {**params, "last": cursor.fetchone()[0]})
        cursor.execute(HEARTBEAT, {**span, "now": now, "attempt": self.attempt})
        if cursor.rowcount != 1:
            from vehicles.commands.imports import ImportSuperseded  # the command module imports this one

            raise ImportSuperseded(self.job_id)  # rolls the chunk back: the rerun applies it
        cursor.execute(q.MOVE_ERRORS, span)
        cursor.execute(q.COUNT_JOB, {**span, "read": result.read, "invalid": result.invalid,
                                     "inserted": result.inserted, "updated": result.updated,
                                     "unchanged": result.unchanged})
        return result
