"""Bulk import of a generated vehicle register (CSV) against bare psycopg COPY and executemany, same run.

Run from the repository root:

    .venv/bin/python bench/vehicles_import.py [--rows 1000000] [--batch-size 1000] [--skip-executemany] [--row-wise]

Generates a seeded-random register (Chinese headers, every row valid) in a temporary directory, creates
throw-away PostgreSQL databases, then measures, in this order: `lantian vehicles import` (in process: the
RunImport command the CLI and the API upload use; on PostgreSQL the set-wise path of vehicles.import_pg:
COPY into a staging table, checks, inference and upsert in SQL, the change feed in bulk); a bare
`COPY ... FROM STDIN (FORMAT csv, HEADER)` of the same file into a plain table with the same unique key;
bare psycopg `executemany` in pages of 1,000 rows, one commit a page; and, as the floor any import of this
register has, a bare COPY of the rows the import wrote (the `vehicle` table with its indexes, and the
`change_log` items) into an empty migrated database. Peak RSS growth of the import is read from /proc
(VmHWM reset before it starts). Prints one line per figure (name, value, unit, baseline, ratio, goal), drops
the databases and removes the files.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from _support import throwaway_databases

from shared.config import Settings
from shared.identifiers import uscc_check_character, vin_check_digit
from shared.migrate import upgrade

HEADERS = ["号牌号码", "号牌颜色", "车辆识别代号", "车辆类型", "使用性质", "燃料种类", "排放阶段", "营运",
           "所有人统一社会信用代码", "行政区划代码", "注册日期"]  # fmt: skip
PLAIN_TABLE = """CREATE TABLE plain_vehicle (
    plate text, plate_colour text, vin text, vehicle_class text, body_type text, fuel text, emission_stage text,
    operating text, owner_uscc text, district_code text, registration_date text, UNIQUE (plate, plate_colour))"""
GOAL_RATIO = 0.25
GOAL_RSS_MB = 100
SEED = 20240601


def generate(path: Path, rows: int) -> None:
    """A register of `rows` valid vehicles (unique plates), seeded so every run imports the same file."""
    rng = random.Random(SEED)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    districts = ["141002", "141021", "141023", "141024", "141081", "141082"]
    owners = []
    for serial in range(500):
        first17 = f"91141002MA{serial:07d}"
        owners.append(first17 + uscc_check_character(first17))
    start = date(2006, 1, 1)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for serial in range(rows):
            office = letters[serial // 100_000 % len(letters)]
            plate = f"晋{office}{serial % 100_000:05d}"
            body = f"LZZ5CLSB0{serial:08d}"
            vin = body[:8] + vin_check_digit(body) + body[9:]
            stage = rng.choice(["国三", "国四", "国五", "国六a", ""])  # one in five inferred
            writer.writerow([
                plate, "黄", vin, rng.choice(["N3", "N2", "N1"]), rng.choice(["牵引车", "自卸车", "厢式货车"]),
                rng.choice(["柴油", "柴油", "天然气"]), stage, rng.choice(["是", "否"]), rng.choice(owners),
                rng.choice(districts), (start + timedelta(days=rng.randrange(7000))).isoformat(),
            ])  # fmt: skip


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure_import(url: str, workdir: Path, path: Path, batch_size: int,
                   setwise: bool | None = None) -> tuple[float, float, dict[str, float]]:
    """Seconds, peak RSS growth (MB) and the job counters of the lantian import."""
    import vehicles
    from vehicles.commands.imports import RunImport, create_job

    settings = Settings(service="vehicles", database_url=url, auth_database_url=f"sqlite+pysqlite:///{workdir}/a.db",
                        secret_key=secrets.token_hex(24), var_dir=workdir)  # fmt: skip
    app = vehicles.create_app(settings)
    with app.app_context():
        job = create_job(path.name, "-", False, "bench")
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM so the peak is the import's own
        before = _rss_kb("VmRSS")
        started, cpu = time.perf_counter(), time.process_time()
        job = RunImport(job.id, path, path.name, settings.secret_key, "bench", False, batch_size,
                        setwise=setwise).run()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = _rss_kb("VmHWM")
    app.extensions["lantian.db"].dispose()
    if job.state != "done":
        raise RuntimeError(f"import failed: {job.detail}")
    counts = {"read": job.rows_read, "inserted": job.rows_inserted, "invalid": job.rows_invalid, "cpu": cpu}
    return seconds, (peak - before) / 1024, counts  # type: ignore[return-value]


def measure_copy(url: str, path: Path) -> float:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        connection.execute(PLAIN_TABLE)
        connection.commit()
        started = time.perf_counter()
        with connection.cursor() as cursor, path.open("rb") as handle:
            handle.read(3)  # the BOM
            with cursor.copy("COPY plain_vehicle FROM STDIN (FORMAT csv, HEADER)") as copy:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        connection.commit()
        return time.perf_counter() - started


def measure_executemany(url: str, path: Path) -> float:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        connection.execute("DROP TABLE IF EXISTS plain_vehicle")
        connection.execute(PLAIN_TABLE)
        connection.commit()
        insert = f"INSERT INTO plain_vehicle VALUES ({', '.join(['%s'] * len(HEADERS))})"
        started = time.perf_counter()
        with path.open(encoding="utf-8-sig", newline="") as handle, connection.cursor() as cursor:
            reader = csv.reader(handle)
            next(reader)
            page: list[list[str]] = []
            for row in reader:
                page.append(row)
                if len(page) == 1000:
                    cursor.executemany(insert, page)
                    connection.commit()
                    page = []
            if page:
                cursor.executemany(insert, page)
                connection.commit()
        return time.perf_counter() - started


def measure_floor(source_url: str, target_url: str, workdir: Path) -> dict[str, float]:
    """Seconds to COPY the rows the import wrote into empty migrated tables: the vehicles (with every index of
    the registry), the change-feed items, and the vehicles again with only their keys (what the import would
    write if no search or progress query had an index). Their sum is the floor of any import of this register."""
    import psycopg

    plain = [url.replace("postgresql+psycopg://", "postgresql://") for url in (source_url, target_url)]
    tables: dict[str, tuple[list[str], Path]] = {}
    with psycopg.connect(plain[0]) as source:
        for table in ("vehicle", "change_log"):
            columns = [r[0] for r in source.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
                "ORDER BY ordinal_position", (table,))]
            path = workdir / f"{table}.copy"
            with path.open("wb") as out, source.cursor().copy(
                    f"COPY (SELECT {', '.join(columns)} FROM {table}) TO STDOUT") as copy:
                for chunk in copy:
                    out.write(chunk)
            tables[table] = (columns, path)

    def load(target: psycopg.Connection, table: str) -> float:
        columns, path = tables[table]
        started = time.perf_counter()
        with target.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy, \
                path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        target.commit()
        return time.perf_counter() - started

    with psycopg.connect(plain[1]) as target:
        seconds = {table: load(target, table) for table in tables}
        target.execute("TRUNCATE vehicle CASCADE")
        for (index,) in target.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'vehicle' "
                                       "AND indexname LIKE 'ix\\_%'").fetchall():
            target.execute(f'DROP INDEX "{index}"')
        target.commit()
        seconds["vehicle_keys_only"] = load(target, "vehicle")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--skip-executemany", action="store_true")
    parser.add_argument("--row-wise", action="store_true",
                        help="measure the row-wise path (SQLite's) on PostgreSQL instead (the earlier figure)")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lantian-bench-import-") as tmp:
        workdir = Path(tmp)
        path = workdir / "register.csv"
        started = time.perf_counter()
        generate(path, args.rows)
        generated = time.perf_counter() - started
        names = ["vehicles", "plain", "floor"]
        with throwaway_databases("postgresql", names, workdir, args.pg_admin_url) as urls:
            upgrade("vehicles", urls["vehicles"])
            upgrade("vehicles", urls["floor"])
            seconds, rss_mb, counts = measure_import(urls["vehicles"], workdir, path, args.batch_size,
                                                     False if args.row_wise else None)
            copy_seconds = measure_copy(urls["plain"], path)
            many_seconds = None if args.skip_executemany else measure_executemany(urls["plain"], path)
            floor_seconds = measure_floor(urls["vehicles"], urls["floor"], workdir)
        rows = args.rows
        rate, copy_rate = rows / seconds, rows / copy_seconds
        print(f"# {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB CSV) generated in {generated:.1f} s; "
              f"import read {counts['read']:,}, inserted {counts['inserted']:,}, refused {counts['invalid']:,}; "
              f"the import's own CPU time {counts['cpu']:.1f} s ({counts['cpu'] / rows * 1e6:.0f} µs a row), "
              f"load average at the end {os.getloadavg()[0]:.1f}")
        print(f"bare psycopg COPY, {copy_rate:.0f}, rows/s, {copy_rate:.0f}, 1.00, (the baseline)")
        if many_seconds:
            many_rate = rows / many_seconds
            print(f"bare psycopg executemany (pages of 1000), {many_rate:.0f}, rows/s, {copy_rate:.0f}, "
                  f"{many_rate / copy_rate:.2f}, (second baseline)")
        floor_rate = rows / (floor_seconds["vehicle"] + floor_seconds["change_log"])
        print(f"bare COPY of the rows the import wrote (vehicle with its indexes + change_log), {floor_rate:.0f}, "
              f"rows/s, {copy_rate:.0f}, {floor_rate / copy_rate:.2f}, (the floor: no checks at all)")
        for part, label in (("vehicle", "vehicle rows with the registry's 7 indexes"),
                            ("vehicle_keys_only", "vehicle rows with only the primary and unique keys"),
                            ("change_log", "change-feed items (each vehicle's whole record)")):
            part_rate = rows / floor_seconds[part]
            print(f"floor part: bare COPY of the {label}, {part_rate:.0f}, rows/s, {copy_rate:.0f}, "
                  f"{part_rate / copy_rate:.2f}, (a part of the floor)")
        label = "lantian vehicles import (row-wise path)" if args.row_wise else "lantian vehicles import"
        print(f"{label}, {rate:.0f}, rows/s, {copy_rate:.0f}, {rate / copy_rate:.2f}, "
              f">= {GOAL_RATIO} of COPY")
        print(f"lantian vehicles import peak RSS growth, {rss_mb:.0f}, MB, {GOAL_RSS_MB}, {rss_mb / GOAL_RSS_MB:.2f}, "
              f"<= {GOAL_RSS_MB} MB")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
