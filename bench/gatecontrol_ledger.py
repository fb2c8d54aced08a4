"""gatecontrol ledger at scale: site-month export, city-month summary, partition drop vs DELETE (PostgreSQL).

Run from the repository root (PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/gatecontrol_ledger.py [--rows 10000000] [--sites 100] [--months 24]

The issue's size is the default: 10,000,000 passages over 100 sites and 24 months (about 4,200 per
site-month). `--rows 1000000 --sites 10` keeps the site-month size and cuts the city-month tenfold.

It creates a throw-away database, migrates it, creates the monthly partitions, loads seeded-random
passages with COPY (generation time printed apart), starts gatecontrol under gunicorn (2 sync workers),
then measures against hand-written SQL on the same data in the same run:

- one site-month export (CSV, the API, streamed) vs `COPY (SELECT ... ORDER BY ...) TO STDOUT` of the same
  rows; goal <= 3 s;
- the city-month summary (API, every site, period=month) vs one GROUP BY statement; goal <= 5 s;
- dropping one month's partition vs DELETE of another month's rows (same size), per row; goal >= 100x. Also
  printed: the purge's first step alone (detach, the only time the ledger is locked), DELETE + the VACUUM its
  dead rows need, and the time this disk takes to unlink files of the month's size (on ext4 mounted with
  online discard that grows with the size, and it is the floor of any drop).

Prints `name, value, unit, baseline, ratio, goal` per figure, then stops the server and drops the database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

from _support import LOOPBACK, REPO_ROOT, Server, check_loopback, free_port, throwaway_databases

from shared.auth import encode_token
from shared.timeutil import month_bounds

WORKERS = 2
SEED = 20261126
COLUMNS = (
    "captured_at", "site_id", "event_id", "gate_id", "direction", "received_at", "backfill", "fingerprint", "plate",
    "plate_raw", "plate_colour", "plate_complete", "vin", "reported_stage", "reported_fuel", "goods", "quantity_t",
    "carrier", "photos", "vehicle_known", "registry_class", "blacklisted", "banned_reasons", "stage", "fuel",
    "vehicle_class", "stage_mismatch", "fuel_mismatch",
)  # fmt: skip
STAGES = ["china_3", "china_4", "china_4", "china_5", "china_5", "china_6a", "china_6b", "electric", None]
FUELS = ["diesel", "diesel", "diesel", "natural_gas", "battery_electric", None]
CLASSES = ["N3", "N3", "N3", "N2", "N1", None]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    return parser.parse_args(argv)


def month_list(count: int) -> list[str]:
    """The `count` city months before the current one, oldest first."""
    today = date.today()
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        out.append(f"{year:04d}-{month:02d}")
    return out[::-1]


def load(url: str, rows: int, sites: int, months: list[str]) -> dict[str, int]:
    """COPY seeded-random passages into the ledger; rows per month."""
    import psycopg

    rng = random.Random(SEED)
    bounds = [month_bounds(m) for m in months]
    per_month = dict.fromkeys(months, 0)
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY passage ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for n in range(rows):
                index = rng.randrange(len(months))
                start, end = bounds[index]
                per_month[months[index]] += 1
                captured = start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
                direction = "in" if n % 2 else "out"
                complete = rng.random() > 0.02
                plate = f"晋A{rng.randrange(100000):05d}" if complete else ""
                copy.write_row((
                    captured, f"S{rng.randrange(sites):03d}", f"e{n:09d}", "G1" if direction == "in" else "G2",
                    direction,
                    captured + timedelta(seconds=3), False, "0" * 64, plate, plate, "yellow", complete, None,
                    rng.choice(STAGES), rng.choice(FUELS), rng.choice(["煤炭", "焦炭", "铁矿石", None]), "31.5",
                    None, '["oss://p/1.jpg"]', True, "N3", False, "[]", rng.choice(STAGES), rng.choice(FUELS),
                    rng.choice(CLASSES), False, False,
                ))  # fmt: skip
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE passage")
    return per_month


def timed_get(url: str, token: str) -> tuple[float, int]:
    """Seconds to read the whole body of a GET, and its size."""
    check_loopback(url)
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:
        size = 0
        while chunk := response.read(1 << 16):
            size += len(chunk)
        status = response.status
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"{url} answered {status}")
    return elapsed, size


def line(name: str, value: float, unit: str, baseline: float | None, ratio: float | None, goal: str) -> None:
    base = f"{baseline:.3f}" if baseline is not None else "-"
    rat = f"{ratio:.2f}" if ratio is not None else "-"
    print(f"{name}, {value:.3f}, {unit}, {base}, {rat}, {goal}", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    import psycopg

    months = month_list(args.months)
    secret = secrets.token_hex(32)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lantian-bench-ledger-")))
        urls = stack.enter_context(
            throwaway_databases("postgresql", ["auth", "gatecontrol"], workdir, args.pg_admin_url)
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_") and k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(LANTIAN_VAR_DIR=str(workdir), LANTIAN_SECRET_KEY=secret, LANTIAN_AUTH_DATABASE_URL=urls["auth"],
                   LANTIAN_GATECONTROL_DATABASE_URL=urls["gatecontrol"])  # fmt: skip
        subprocess.run([sys.executable, "-m", "shared.cli", "db", "upgrade", "gatecontrol"], env=env, cwd=REPO_ROOT,
                       check=True, capture_output=True)  # fmt: skip
        plain = urls["gatecontrol"].replace("+psycopg", "")
        from sqlalchemy import create_engine, text

        from gatecontrol.partitions import create_partition

        engine = create_engine(urls["gatecontrol"])
        with engine.begin() as connection:
            for month in months:
                create_partition(connection, month)
        engine.dispose()
        started = time.perf_counter()
        per_month = load(plain, args.rows, args.sites, months)
        generated = time.perf_counter() - started
        port = free_port()
        service = Server(
            "gatecontrol",
            [
                sys.executable,
                "-m",
                "shared.cli",
                "serve",
                "gatecontrol",
                "--host",
                LOOPBACK,
                "--port",
                str(port),
                "--workers",
                str(WORKERS),
            ],
            env,
            workdir / "service.log",
        )
        stack.callback(service.stop)
        base = f"http://{LOOPBACK}:{port}"
        service.wait_ready(f"{base}/ready")
        token = encode_token(secret, role="environment", name="bench")
        for site in range(args.sites):  # the ledger's sites, registered as the bureau would
            body = {"uscc": "91141000MA0KX1234X", "name": f"bench {site}", "industry": "steel",
                    "district_code": "141002", "key_user": True}  # fmt: skip
            request = urllib.request.Request(
                f"{base}/api/v1/sites/S{site:03d}", method="PUT", data=json.dumps(body).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )  # fmt: skip
            urllib.request.urlopen(request, timeout=30).close()
        print(
            f"# generated {args.rows} rows ({args.sites} sites x {args.months} months) with COPY in "
            f"{generated:.1f} s; PostgreSQL; gunicorn {WORKERS} sync workers; {os.cpu_count()} cores",
            flush=True,
        )
        print("name, value, unit, baseline, ratio, goal", flush=True)

        month = months[len(months) // 2]
        start, end = month_bounds(month)
        export_s, size = timed_get(f"{base}/api/v1/ledger/export?site_id=S001&month={month}&format=csv", token)
        with psycopg.connect(plain) as connection, connection.cursor() as cursor:
            began = time.perf_counter()
            sql = (f"COPY (SELECT {', '.join(COLUMNS)} FROM passage WHERE site_id = 'S001' AND captured_at >= "
                   f"'{start.isoformat()}' AND captured_at < '{end.isoformat()}' ORDER BY captured_at, site_id, "
                   "event_id) TO STDOUT WITH CSV HEADER")  # fmt: skip
            baseline_size = 0
            with cursor.copy(sql) as copy:
                for block in copy:
                    baseline_size += len(block)
            copy_s = time.perf_counter() - began
        line("site_month_export_csv", export_s, "s", copy_s, export_s / copy_s, f"<= 3 s ({size} bytes)")

        summary_s, _ = timed_get(f"{base}/api/v1/ledger/summary?month={month}&period=month", token)
        with psycopg.connect(plain) as connection:
            began = time.perf_counter()
            connection.execute(
                "SELECT site_id, direction, stage, fuel, vehicle_class, plate_complete, count(*) FROM passage "
                "WHERE captured_at >= %s AND captured_at < %s GROUP BY 1, 2, 3, 4, 5, 6",
                (start, end),
            ).fetchall()
            group_s = time.perf_counter() - began
        line("city_month_summary", summary_s, "s", group_s, summary_s / group_s, "<= 5 s")

        from gatecontrol.partitions import SCHEMA, detach_partition, drop_detached, list_partitions, partition_name

        doomed, deleted = months[1], months[0]
        engine = create_engine(urls["gatecontrol"])
        with engine.connect() as connection:  # connected before the clock starts, as the DELETE's is
            partition = next(p for p in list_partitions(connection) if p.month == doomed)
            files_mb = connection.execute(
                text("SELECT pg_total_relation_size(:name) / 1048576.0"), {"name": f"{SCHEMA}.{partition.name}"}
            ).scalar_one()
            connection.commit()
            began = time.perf_counter()
            with connection.begin():  # the purge's first step: the only one that locks the ledger
                detach_partition(connection, partition)
            detach_s = time.perf_counter() - began
        began = time.perf_counter()
        drop_detached(engine)
        drop_s = detach_s + time.perf_counter() - began
        engine.dispose()
        unlink_s = unlink_time(files_mb, args.pg_admin_url)
        lower, upper = month_bounds(deleted)
        with psycopg.connect(plain) as connection:
            connection.execute("SELECT 1")
            connection.commit()
            began = time.perf_counter()
            connection.execute("DELETE FROM passage WHERE captured_at >= %s AND captured_at < %s", (lower, upper))
            connection.commit()
            delete_s = time.perf_counter() - began
            connection.autocommit = True
            began = time.perf_counter()
            connection.execute(f"VACUUM {SCHEMA}.{partition_name(deleted)}")  # the dead rows' index entries
            vacuum_s = time.perf_counter() - began
        rows_doomed, rows_deleted = per_month[doomed], per_month[deleted]

        def faster(baseline_s: float, measured_s: float) -> float:
            return (baseline_s / rows_deleted) / (measured_s / rows_doomed)

        sizes = f"{rows_doomed} vs {rows_deleted} rows"
        line("partition_detach_ledger_lock", detach_s, "s", delete_s, faster(delete_s, detach_s),
             f"(the ledger's exclusive lock; DELETE as baseline, {sizes})")  # fmt: skip
        line("partition_drop_vs_delete", drop_s, "s", delete_s, faster(delete_s, drop_s),
             f">= 100x faster per row ({sizes}; detach + drop, files {files_mb:.0f} MB)")  # fmt: skip
        line("partition_drop_vs_delete_and_vacuum", drop_s, "s", delete_s + vacuum_s,
             faster(delete_s + vacuum_s, drop_s), f"(DELETE {delete_s:.3f} s + VACUUM {vacuum_s:.3f} s)")  # fmt: skip
        line("file_unlink_on_this_disk", unlink_s, "s", drop_s, unlink_s / drop_s,
             f"(unlinking {files_mb:.0f} MB of files on the database's disk: the floor of any drop here)")  # fmt: skip


def unlink_time(megabytes: float, admin_url: str) -> float:
    """Seconds to unlink a file of this size on the disk PostgreSQL writes to (ext4 with online discard frees
    blocks synchronously, so a drop's cost grows with the month's size there)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        data_dir = connection.execute("SHOW data_directory").fetchone()[0]
    probe = Path(data_dir).parent / f"lantian_bench_unlink_{os.getpid()}"
    try:
        with probe.open("wb") as handle:
            for _ in range(max(1, round(megabytes))):
                handle.write(os.urandom(1 << 20))
            handle.flush()
            os.fsync(handle.fileno())
    except PermissionError:
        return float("nan")
    began = time.perf_counter()
    probe.unlink()
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
