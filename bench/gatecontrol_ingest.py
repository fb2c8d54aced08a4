"""gatecontrol ingest: batch rows/s against bare psycopg in the same run; single POST req/s against bare Flask.

Run from the repository root (PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/gatecontrol_ingest.py [--rows 100000] [--clients 4] [--rounds 3] [--duration 10]

Creates throw-away databases, migrates them, starts gatecontrol and the bare Flask app under gunicorn
(2 sync workers each) on free loopback ports, registers a site, two gates and a gate key, then measures:

- batch ingest: `--rows` generated passages posted as batches of 1,000 by `--clients` concurrent clients
  (bodies encoded before the clock starts), next to psycopg `executemany` (pages of 1,000, one commit a page)
  of the same rows into a plain table with the same unique key (site_id, event_id), and next to COPY; the rows
  go in `--rounds` slices, each taken by ours, then executemany, then COPY. Goal: >= 50% of executemany.
- single POST: one passage per request, a new event id each time, at 32 connections (throughput) and 4
  (latency), next to GET of the bare Flask app under the same settings and the same client.
  Goals: >= 35% of the bare app's req/s, p99 <= 25 ms. For information, the same figures of the **floor**
  (`floor_app()` below, same gunicorn settings): the bare app plus one durable INSERT in autocommit per
  request, which a stored passage cannot skip (no synchronous_commit = off): each request waits for a WAL
  flush, so with sync workers the floor bounds the single POST's throughput and latency.

Prints `name, value, unit, baseline, ratio, goal` per figure, then stops everything and drops the databases.
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
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from _support import (
    LOOPBACK,
    REPO_ROOT,
    JsonPosts,
    Server,
    free_port,
    http_request,
    load_generator_name,
    run_load,
    throwaway_databases,
    wrk_path,
)

from shared.auth import encode_token

WORKERS = 2
BATCH = 1000
SEED = 20261126
USCC = "91141000MA0KX1234X"
STAGES = ["3", "4", "5", "6", "D", "国四", "china_5"]
GOODS = ["煤炭", "焦炭", "铁矿石", "钢材", "石灰石", None]


FLOOR_TABLE = (
    "CREATE TABLE bench_floor (site_id varchar(32), event_id varchar(64), stored_at timestamptz, "
    "PRIMARY KEY (site_id, event_id))"
)


def floor_app() -> Any:
    """The floor server: bench/_baseline_app.py's bare Flask app plus GET /stored, which inserts one keyed row on
    one autocommit psycopg connection per worker (prepared) and answers once it is committed, i.e. flushed to
    disk: no pool, no ORM, no auth, no validation. `gunicorn --pythonpath bench 'gatecontrol_ingest:floor_app()'`
    with LANTIAN_BENCH_FLOOR_URL naming a database that has the bench_floor table."""
    import uuid

    from _baseline_app import app

    url = os.environ["LANTIAN_BENCH_FLOOR_URL"]
    connection: list[Any] = []

    @app.get("/stored")
    def stored() -> dict[str, Any]:
        if not connection:
            connection.append(psycopg.connect(url, autocommit=True))
        connection[0].execute(
            "INSERT INTO bench_floor (site_id, event_id, stored_at) VALUES (%s, %s, now())",
            ("S1", uuid.uuid4().hex),
            prepare=True,
        )
        return {"status": "ok", "service": "baseline"}

    return app


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="passages for the batch-ingest figure")
    parser.add_argument("--clients", type=int, default=4, help="concurrent batch posters")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved slices of the rows (ours, executemany, COPY, ours, ...): another tenant's "
                             "burst lands on the baselines and on us alike")  # fmt: skip
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per single-POST figure")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator for the single-POST figures (auto: wrk when it is installed)")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    if args.client == "auto":
        args.client = "wrk" if wrk_path() else "python"
    return args


def passages(count: int, prefix: str) -> list[dict[str, Any]]:
    """Seeded-random passages of one site over the last 20 days."""
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    out = []
    for n in range(count):
        direction = rng.choice(["in", "out"])
        out.append({
            "event_id": f"{prefix}-{n:08d}", "gate_id": "G1" if direction == "in" else "G2", "direction": direction,
            "plate": f"晋{rng.choice('ABCKL')}{rng.randrange(100000):05d}", "plate_colour": "yellow",
            "captured_at": (now - timedelta(seconds=rng.randrange(20 * 86400))).isoformat(),
            "emission_stage": rng.choice(STAGES), "fuel": rng.choice(["柴油", "diesel", "LNG"]),
            "vehicle_type": "重型货车", "goods": rng.choice(GOODS), "quantity_t": f"{rng.uniform(10, 40):.1f}",
            "carrier": "临汾示范物流", "photos": [f"oss://bench/{n}.jpg"], "backfill": rng.random() < 0.05,
        })  # fmt: skip
    return out


PLAIN_COLUMNS = (
    "site_id",
    "event_id",
    "gate_id",
    "direction",
    "plate",
    "plate_colour",
    "captured_at",
    "emission_stage",
    "fuel",
    "vehicle_type",
    "goods",
    "quantity_t",
    "carrier",
    "photos",
    "backfill",
)
PLAIN_TABLE = """CREATE TABLE {name} (
    site_id varchar(32), event_id varchar(64), gate_id varchar(64), direction varchar(3), plate varchar(32),
    plate_colour varchar(12), captured_at timestamptz, emission_stage varchar(10), fuel varchar(20),
    vehicle_type varchar(40), goods varchar(100), quantity_t numeric(10,1), carrier varchar(200), photos text,
    backfill boolean, PRIMARY KEY (site_id, event_id))"""


def plain_rows(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [("S1", *(json.dumps(p[c]) if c == "photos" else p[c] for c in PLAIN_COLUMNS[1:])) for p in items]


def bare_executemany(url: str, rows: list[tuple[Any, ...]]) -> float:
    """Seconds for psycopg executemany of the rows into bench_plain, pages of 1,000, a commit per page."""
    with psycopg.connect(url) as connection:
        placeholders = ", ".join(["%s"] * len(PLAIN_COLUMNS))
        sql = f"INSERT INTO bench_plain ({', '.join(PLAIN_COLUMNS)}) VALUES ({placeholders})"
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for page in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[page : page + BATCH])
                connection.commit()
        return time.perf_counter() - started


def bare_copy(url: str, rows: list[tuple[Any, ...]]) -> float:
    """Seconds for psycopg COPY of the rows into bench_copy, one commit."""
    with psycopg.connect(url) as connection:
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY bench_copy ({', '.join(PLAIN_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        connection.commit()
        return time.perf_counter() - started


def post_batches(base: str, key: str, items: list[dict[str, Any]], clients: int) -> tuple[float, dict[str, int]]:
    """Seconds to post every item in batches of 1,000 from `clients` threads; summed result counts.

    The bodies are encoded before the clock starts and the answers read after it stops, as the baselines' rows
    are made before theirs: the client's JSON work (a gate system's, on its own machine) is not the server's."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    bodies = [json.dumps({"passages": items[i : i + BATCH]}).encode() for i in range(0, len(items), BATCH)]

    def send(body: bytes) -> bytes:
        for _ in range(3):
            status, answer = http_request(
                f"{base}/api/v1/passages/batch", method="POST", headers=headers, data=body, timeout=120
            )
            if status == 200:
                return answer
        raise RuntimeError(f"batch failed: {status} {answer[:300]!r}")

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(send, bodies))
    seconds = time.perf_counter() - started
    counts: dict[str, int] = {}
    for answer in answers:
        for name, n in json.loads(answer)["counts"].items():
            counts[name] = counts.get(name, 0) + n
    return seconds, counts


def single_posts(connections: int) -> JsonPosts:
    """One generated passage, captured now, posted again and again with a new event id each time."""
    template = {**passages(1, "single")[0], "captured_at": datetime.now(UTC).isoformat()}
    return JsonPosts(template, "event_id", f"single-c{connections}")


def line(name: str, value: float, unit: str, baseline: float | None, ratio: float | None, goal: str) -> None:
    base = f"{baseline:.1f}" if baseline is not None else "-"
    rat = f"{ratio:.2f}" if ratio is not None else "-"
    print(f"{name}, {value:.1f}, {unit}, {base}, {rat}, {goal}", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    secret = secrets.token_hex(32)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lantian-bench-gate-")))
        urls = stack.enter_context(
            throwaway_databases("postgresql", ["auth", "gatecontrol", "plain"], workdir, args.pg_admin_url)
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_") and k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(
            LANTIAN_VAR_DIR=str(workdir),
            LANTIAN_SECRET_KEY=secret,
            LANTIAN_AUTH_DATABASE_URL=urls["auth"],
            LANTIAN_GATECONTROL_DATABASE_URL=urls["gatecontrol"],
        )
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "shared.cli", "db", "upgrade", "gatecontrol"],
            env=env,
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
        )
        port, bare_port = free_port(), free_port()
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
        bare = Server(
            "bare Flask",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--pythonpath",
                str(REPO_ROOT / "bench"),
                "--bind",
                f"{LOOPBACK}:{bare_port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--timeout",
                "60",
                "_baseline_app:app",
            ],
            env,
            workdir / "bare.log",
        )
        stack.callback(bare.stop)
        plain_url = urls["plain"].replace("+psycopg", "")
        with psycopg.connect(plain_url, autocommit=True) as connection:
            connection.execute(FLOOR_TABLE)
        floor_port = free_port()
        floor = Server(
            "floor",
            [sys.executable, "-m", "gunicorn", "--pythonpath", str(REPO_ROOT / "bench"), "--bind",
             f"{LOOPBACK}:{floor_port}", "--workers", str(WORKERS), "--worker-class", "sync", "--timeout", "60",
             "gatecontrol_ingest:floor_app()"],
            {**env, "LANTIAN_BENCH_FLOOR_URL": plain_url},
            workdir / "floor.log",
        )  # fmt: skip
        stack.callback(floor.stop)
        base, bare_url = f"http://{LOOPBACK}:{port}", f"http://{LOOPBACK}:{bare_port}"
        floor_url = f"http://{LOOPBACK}:{floor_port}/stored"
        service.wait_ready(f"{base}/ready")
        bare.wait_ready(f"{bare_url}/")
        floor.wait_ready(floor_url)
        admin = {"Authorization": f"Bearer {encode_token(secret, role='environment', name='bench')}"}
        site = {"uscc": USCC, "name": "bench steel", "industry": "steel", "district_code": "141002", "key_user": True}
        http_request(f"{base}/api/v1/sites/S1", method="PUT", headers=admin, body=site)
        for gate, direction in (("G1", "in"), ("G2", "out")):
            http_request(
                f"{base}/api/v1/sites/S1/gates/{gate}",
                method="PUT",
                headers=admin,
                body={"name": gate, "direction": direction},
            )
        _, body = http_request(f"{base}/api/v1/sites/S1/keys", method="POST", headers=admin, body={})
        key = json.loads(body)["key"]
        items = passages(args.rows, "batch")
        rows = plain_rows(items)
        print(
            f"# set-up {time.perf_counter() - started:.1f} s ({args.rows} passages generated); PostgreSQL; "
            f"gunicorn {WORKERS} sync workers; {os.cpu_count()} cores; "
            f"single POSTs by {load_generator_name(args.client)}",
            flush=True,
        )
        print("name, value, unit, baseline, ratio, goal", flush=True)

        with psycopg.connect(plain_url, autocommit=True) as connection:
            for table in ("bench_plain", "bench_copy"):
                connection.execute(PLAIN_TABLE.format(name=table))
        seconds = plain = copy = 0.0
        counts: dict[str, int] = {}
        ratios = []
        size = -(-args.rows // args.rounds)
        for start in range(0, args.rows, size):
            took, made = post_batches(base, key, items[start : start + size], args.clients)
            took_plain = bare_executemany(plain_url, rows[start : start + size])
            copy += bare_copy(plain_url, rows[start : start + size])
            seconds, plain, ratios = seconds + took, plain + took_plain, [*ratios, took_plain / took]
            for name, n in made.items():
                counts[name] = counts.get(name, 0) + n
        if counts != {"created": args.rows}:
            raise RuntimeError(f"batch ingest did not create every row: {counts}\n{service.log_tail(30)}")
        rate, plain_rate, copy_rate = args.rows / seconds, args.rows / plain, args.rows / copy
        line("batch_ingest_vs_executemany", rate, "rows/s", plain_rate, rate / plain_rate, ">= 0.50")
        print(f"# batch_ingest_vs_executemany per round: {', '.join(f'{r:.2f}' for r in ratios)}", flush=True)
        line("batch_ingest_vs_copy", rate, "rows/s", copy_rate, rate / copy_rate, "(info)")
        retry_seconds, retry = post_batches(base, key, items[: min(10_000, args.rows)], args.clients)
        line(
            "batch_retry_all_duplicates",
            min(10_000, args.rows) / retry_seconds,
            "rows/s",
            None,
            None,
            f"(info: {retry})",
        )

        client, auth = args.client, {"Authorization": f"Bearer {key}"}
        passages_url = f"{base}/api/v1/passages"
        posted = run_load(client, passages_url, 32, args.duration, auth, single_posts(32))
        baseline = run_load(client, f"{bare_url}/", 32, args.duration)
        line("single_post_throughput_c32", posted.rate, "req/s", baseline.rate, posted.rate / baseline.rate, ">= 0.35")
        floored = run_load(client, floor_url, 32, args.duration)
        line("floor_throughput_c32", floored.rate, "req/s", baseline.rate, floored.rate / baseline.rate, "(info)")
        line("single_post_vs_floor_c32", posted.rate, "req/s", floored.rate, posted.rate / floored.rate, "(info)")
        posted4 = run_load(client, passages_url, 4, args.duration, auth, single_posts(4))
        baseline4 = run_load(client, f"{bare_url}/", 4, args.duration)
        floored4 = run_load(client, floor_url, 4, args.duration)
        line("single_post_p50_c4", posted4.p50_ms, "ms", baseline4.p50_ms, posted4.p50_ms / baseline4.p50_ms, "(info)")
        line(
            "single_post_p99_c4", posted4.p99_ms, "ms", baseline4.p99_ms, posted4.p99_ms / baseline4.p99_ms, "<= 25 ms"
        )
        line("floor_p50_c4", floored4.p50_ms, "ms", baseline4.p50_ms, floored4.p50_ms / baseline4.p50_ms, "(info)")
        line("floor_p99_c4", floored4.p99_ms, "ms", baseline4.p99_ms, floored4.p99_ms / baseline4.p99_ms, "(info)")
        print(f"# load average at the end {os.getloadavg()[0]:.1f}", flush=True)
        if posted.failures or posted4.failures:
            print(f"# failures: c32 {posted.failures}, c4 {posted4.failures}", flush=True)


if __name__ == "__main__":
    main()
