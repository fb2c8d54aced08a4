"""Police checks over a generated registry: single look-ups under gunicorn next to bare Flask, and bulk checks.

Run from the repository root:

    .venv/bin/python bench/vehicles_check.py [--vehicles 1000000] [--entries 100000] [--duration 10]

Creates throw-away PostgreSQL databases, migrates them, fills `vehicle` (plates 晋A00001 ...) and `list_entry`
(blacklist and key-supervision entries on every 7th vehicle, some seasonal, some lifted) with INSERT ... SELECT
FROM generate_series, then starts the vehicles service and the bare Flask app of bench/_baseline_app.py under
gunicorn (2 sync workers each) and loads GET /api/v1/checks?plate=... (a listed plate, so every part of the
answer is computed and an audit row written) and the bare GET / with the same client. A third server, the
floor (`floor_app()` below, same gunicorn settings), is the bare app plus the one thing no check can skip:
INSERT of the check's audit row, answered once its commit is flushed to disk. Its figures are reported next to
the check's (they bound what any check that logs durably can reach on this machine). Each figure's load is
split into `--rounds` slices run round-robin over the three servers (as bench/http_baseline.py does). Then times
POST /api/v1/checks/bulk with 1,000 plates (listed, clean, unknown and misread ones mixed) against two
hand-written SQL statements fetching the same vehicles and entries. Last, generates a year of emission tests
(one annual test per vehicle, 8 % failing, most failures re-tested) and times `lantian vehicles list-rules`.
Prints one line per figure (name, value, unit, baseline, ratio, goal), then stops the servers and drops the
databases. Non-road machinery is not generated: the machinery registry is a later part of issue 5.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NoReturn

from _support import (
    LOOPBACK,
    Server,
    free_port,
    http_request,
    load_generator_name,
    throwaway_databases,
    wrk_path,
)
from http_baseline import Target, lantian, measure, service_env

from shared.auth import encode_token

WORKERS = 2
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
SINGLE_GOAL_RATIO, P99_GOAL_MS, BULK_GOAL_MS, RULES_GOAL_S = 0.5, 10.0, 100.0, 60.0

FILL = """
SELECT setseed(0.5);
INSERT INTO vehicle (plate, plate_colour, plate_raw, vehicle_class, body_type, fuel, emission_stage, stage_inferred,
    operating, owner_uscc, district_code, registration_date, status, status_date, created_at, updated_at)
SELECT plate, 'yellow', plate, (ARRAY['N3','N2','N1','M1'])[1 + floor(random() * 4)::int], 'tractor',
    (ARRAY['diesel','diesel','petrol','natural_gas','battery_electric'])[1 + floor(random() * 5)::int],
    (ARRAY['china_3','china_4','china_5','china_6a'])[1 + floor(random() * 4)::int], false, random() < 0.8,
    '91141002MA' || lpad((n % 5000)::text, 7, '0') || 'X',
    (ARRAY['141002','141021','141023','141024','141081','141082'])[1 + floor(random() * 6)::int],
    DATE '2008-01-01' + floor(random() * 6000)::int,
    CASE WHEN random() < 0.03 THEN 'plate_void' ELSE 'active' END, DATE '2024-01-01', now(), now()
FROM (SELECT n, '晋' || substr('ABCDEFGHJKLMNPQRSTUVWXYZ', 1 + (n / 100000) % 24, 1) || lpad((n % 100000)::text, 5, '0')
        AS plate FROM generate_series(1, %(vehicles)s) AS n) AS g;
INSERT INTO list_entry (id, subject_type, subject_key, plate, plate_colour, list_kind, reason_code, evidence,
    authority, issued_by, effective_from, until, seasonal_scope, note, supersedes, created_at, created_by,
    lifted_at, lifted_by, lift_reason)
SELECT 'bench' || lpad(e::text, 12, '0'), 'vehicle', plate || '|yellow', plate, 'yellow',
    CASE WHEN random() < 0.7 THEN 'blacklist' ELSE 'key_supervision' END,
    (ARRAY['obd_tampering','device_removed','roadside_over_emission','not_repaired_in_time'])
        [1 + floor(random() * 4)::int],
    '["bench"]'::json, '临汾市生态环境局', 'bench', DATE '2025-01-01' + floor(random() * 300)::int, NULL,
    CASE WHEN random() < 0.3 THEN '{"from": "10-01", "to": "03-31", "area": "urban"}'::json END, NULL, NULL,
    now(), 'bench', CASE WHEN random() < 0.1 THEN now() END, NULL, NULL
FROM (SELECT e, '晋' || substr('ABCDEFGHJKLMNPQRSTUVWXYZ', 1 + ((e * 7) %% %(vehicles)s / 100000) % 24, 1)
        || lpad(((e * 7) %% %(vehicles)s % 100000)::text, 5, '0') AS plate
      FROM generate_series(1, %(entries)s) AS e) AS g;
ANALYZE vehicle;
ANALYZE list_entry
"""

TESTS_FILL = """
SELECT setseed(0.7);
INSERT INTO emission_test (test_ref, plate, plate_colour, kind, tested_on, passed, station, recorded_at, recorded_by)
SELECT 'A' || n, plate, 'yellow', 'annual_inspection', DATE %(start)s + (n %% 365), random() >= 0.08, 'bench', now(),
    'bench'
FROM vehicle v, LATERAL (SELECT v.id AS n) AS g;
INSERT INTO emission_test (test_ref, plate, plate_colour, kind, tested_on, passed, station, recorded_at, recorded_by)
SELECT 'R' || t.id, t.plate, t.plate_colour, 'annual_inspection', t.tested_on + 1 + floor(random() * 40)::int, true,
    'bench', now(), 'bench'
FROM emission_test t WHERE NOT t.passed AND random() < 0.6;
ANALYZE emission_test
"""

BULK_SQL = (
    "SELECT * FROM vehicle WHERE plate = ANY(%s)",
    "SELECT * FROM list_entry WHERE plate = ANY(%s) AND lifted_at IS NULL AND effective_from <= current_date"
    " AND (until IS NULL OR until >= current_date)",
)


def plate(n: int) -> str:
    """The n-th generated plate (the same formula as FILL)."""
    return f"晋{LETTERS[(n // 100000) % 24]}{n % 100000:05d}"


def bulk_items(vehicles: int, rng: random.Random) -> list[dict[str, Any]]:
    """1,000 plates: listed ones, clean ones, unknown ones and camera misreads (0 read as O)."""
    items = []
    for i in range(1000):
        n = rng.randrange(1, vehicles)
        text = plate(n)
        if i % 20 == 0:
            text = text[:2] + text[2:].replace("0", "O")
        elif i % 25 == 0:
            text = "冀" + text[1:]
        items.append({"plate": text.lower() if i % 3 == 0 else text})
    return items


def floor_app() -> Any:
    """The floor server: bench/_baseline_app.py's bare Flask app plus GET /logged, which writes one audit row
    shaped like a single check's (the service's own prepared INSERT) on one autocommit psycopg connection per
    worker and answers once it is committed, i.e. flushed to disk: no pool, no ORM, no auth, no look-up.
    Served with `gunicorn --pythonpath bench 'vehicles_check:floor_app()'` (LANTIAN_VEHICLES_DATABASE_URL)."""
    import os

    import psycopg
    from _baseline_app import app

    from shared.db import utcnow
    from vehicles.daos.checks import _INSERT_ONE_LOG

    url = os.environ["LANTIAN_VEHICLES_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    connection: list[Any] = []
    answer = json.dumps({"subjects": [[plate(77), "yellow"]], "entry_ids": ["bench000000000011"],
                         "ban_codes": ["blacklist"], "suggestions": [], "errors": []}, ensure_ascii=False)

    @app.get("/logged")
    def logged() -> dict[str, Any]:
        if not connection:
            connection.append(psycopg.connect(url, autocommit=True))
        connection[0].execute(_INSERT_ONE_LOG, {
            "checked_at": utcnow(), "actor": "bench floor", "role": "police", "batch_id": None,
            "query_raw": plate(77), "plate": plate(77), "plate_colour": None, "valid": True, "found": True,
            "blacklisted": True, "banned": True, "answer": answer}, prepare=True)
        return {"status": "ok", "service": "baseline"}

    return app


def _gunicorn(port: int, app: str) -> list[str]:
    """Serve a bench app under gunicorn with the service's settings (WORKERS sync workers)."""
    return [sys.executable, "-m", "gunicorn", "--pythonpath", str(Path(__file__).resolve().parent), "--bind",
            f"{LOOPBACK}:{port}", "--workers", str(WORKERS), "--worker-class", "sync", "--timeout", "60", app]


def _raise_interrupt(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> None:
    import psycopg

    secret_key = secrets.token_hex(32)
    auth = {"Authorization": f"Bearer {encode_token(secret_key, role='police', name='bench officer')}"}
    print(f"# police checks: {args.vehicles:,} vehicles, {args.entries:,} list entries, PostgreSQL; gunicorn "
          f"{WORKERS} sync workers each; load generator: {load_generator_name(args.client)}")
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lantian-bench-check-")))
        urls = stack.enter_context(throwaway_databases("postgresql", ["auth", "vehicles"], workdir, args.pg_admin_url))
        env = service_env(urls, workdir / "var", secret_key)
        lantian("db", "upgrade", "vehicles", env=env)
        plain = urls["vehicles"].replace("postgresql+psycopg://", "postgresql://")
        started = time.perf_counter()
        with psycopg.connect(plain, autocommit=True) as connection:
            for statement in FILL.split(";\n"):
                if statement.strip():
                    connection.execute(statement.replace("%(vehicles)s", str(args.vehicles))
                                       .replace("%(entries)s", str(args.entries)).replace("%%", "%"))
        print(f"# data generated in {time.perf_counter() - started:.1f} s")

        service_port, baseline_port, floor_port = free_port(), free_port(), free_port()
        service_argv = [sys.executable, "-m", "shared.cli", "serve", "vehicles", "--host", LOOPBACK,
                        "--port", str(service_port), "--workers", str(WORKERS)]
        baseline_argv = _gunicorn(baseline_port, "_baseline_app:app")
        floor_argv = _gunicorn(floor_port, "vehicles_check:floor_app()")
        service = Server("vehicles", service_argv, env, workdir / "vehicles.log")
        stack.callback(service.stop)
        baseline = Server("bare Flask", baseline_argv, env, workdir / "baseline.log")
        stack.callback(baseline.stop)
        floor = Server("floor", floor_argv, env, workdir / "floor.log")
        stack.callback(floor.stop)
        service_url, baseline_url = f"http://{LOOPBACK}:{service_port}", f"http://{LOOPBACK}:{baseline_port}"
        floor_url = f"http://{LOOPBACK}:{floor_port}/logged"
        service.wait_ready(f"{service_url}/ready")
        baseline.wait_ready(f"{baseline_url}/")
        floor.wait_ready(floor_url)

        listed = plate(7 * 11)  # entry 11 is on vehicle 77
        check_url = f"{service_url}/api/v1/checks?plate={listed}"
        status, body = http_request(check_url.replace(listed, _quote(listed)), headers=auth)
        if status != 200 or not json.loads(body)["found"]:
            raise RuntimeError(f"GET /api/v1/checks answered {status}: {body[:300]!r}")
        targets = [Target("bare Flask GET /", f"{baseline_url}/", {}, None),
                   Target("single check", check_url.replace(listed, _quote(listed)), auth, SINGLE_GOAL_RATIO),
                   Target("floor", floor_url, {}, None)]
        results: dict[tuple[str, int], Any] = {}
        for connections in (32, 4):
            # interleaved slices (http_baseline.measure): another tenant's burst lands on all three alike
            for name, result in measure(args.client, targets, connections, args.duration, 2, args.rounds).items():
                results[(name, connections)] = result
        print("# name, value, unit, baseline, ratio, goal")
        base_rate = results[(targets[0].name, 32)].rate
        base_p99 = results[(targets[0].name, 4)].p99_ms
        base_p50 = results[(targets[0].name, 4)].p50_ms
        print(f"bare Flask GET / throughput @32 conns, {base_rate:.0f}, req/s, {base_rate:.0f}, 1.00, (the baseline)")
        check = results[(targets[1].name, 32)]
        low = results[(targets[1].name, 4)]
        print(f"single check throughput @32 conns, {check.rate:.0f}, req/s, {base_rate:.0f}, "
              f"{check.rate / base_rate:.2f}, >= {SINGLE_GOAL_RATIO:g} of bare Flask")
        print(f"single check latency p50 @4 conns, {low.p50_ms:.2f}, ms, {base_p50:.2f}, "
              f"{low.p50_ms / base_p50:.2f}, (reported)")
        print(f"single check latency p99 @4 conns, {low.p99_ms:.2f}, ms, {base_p99:.2f}, "
              f"{low.p99_ms / base_p99:.2f}, <= {P99_GOAL_MS:g} ms")
        floor_high, floor_low = results[("floor", 32)], results[("floor", 4)]
        print(f"floor (bare Flask + one durably committed audit INSERT) throughput @32 conns, {floor_high.rate:.0f}, "
              f"req/s, {base_rate:.0f}, {floor_high.rate / base_rate:.2f}, (reported: a check's ceiling)")
        print(f"floor latency p50 @4 conns, {floor_low.p50_ms:.2f}, ms, {base_p50:.2f}, "
              f"{floor_low.p50_ms / base_p50:.2f}, (reported)")
        print(f"floor latency p99 @4 conns, {floor_low.p99_ms:.2f}, ms, {base_p99:.2f}, "
              f"{floor_low.p99_ms / base_p99:.2f}, (reported)")
        print(f"# single check / floor: throughput @32 {check.rate / floor_high.rate:.2f}, p50 @4 "
              f"{low.p50_ms / floor_low.p50_ms:.2f}, p99 @4 {low.p99_ms / floor_low.p99_ms:.2f}")

        rng = random.Random(20261126)
        bulk_times, sql_times, cold_times = [], [], []
        with psycopg.connect(plain) as connection:
            for _ in range(args.warmup_bulk):
                # psycopg prepares a statement on its 6th run on a connection, and PostgreSQL plans the first five
                # runs of a prepared statement for their values (a parallel plan for 1,000 plates, slower) before
                # it keeps a generic one: a server that has been up for a while answers with the latter.
                started = time.perf_counter()
                http_request(f"{service_url}/api/v1/checks/bulk", method="POST", headers=auth,
                             body={"items": bulk_items(args.vehicles, rng)}, timeout=30)
                cold_times.append((time.perf_counter() - started) * 1000)
            for _ in range(args.repeat):
                items = bulk_items(args.vehicles, rng)
                plates = [i["plate"].upper() for i in items]
                started = time.perf_counter()
                for statement in BULK_SQL:
                    connection.execute(statement, (plates,)).fetchall()
                sql_times.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                status, body = http_request(f"{service_url}/api/v1/checks/bulk", method="POST", headers=auth,
                                            body={"items": items}, timeout=30)
                bulk_times.append((time.perf_counter() - started) * 1000)
                if status != 200 or len(json.loads(body)["items"]) != 1000:
                    raise RuntimeError(f"bulk check answered {status}: {body[:300]!r}")
        bulk, sql = statistics.median(bulk_times), statistics.median(sql_times)
        service.stop()
        print(f"hand-written SQL, vehicles + entries of 1,000 plates, {sql:.1f}, ms, {sql:.1f}, 1.00, (the baseline)")
        print(f"bulk check of 1,000 plates (median of {args.repeat}), {bulk:.1f}, ms, {sql:.1f}, {bulk / sql:.2f}, "
              f"<= {BULK_GOAL_MS:g} ms")
        print(f"# bulk check ms per call min {min(bulk_times):.1f}, quartiles "
              f"{', '.join(f'{q:.1f}' for q in statistics.quantiles(bulk_times, n=4))}, max {max(bulk_times):.1f}; "
              f"SQL min {min(sql_times):.1f}, max {max(sql_times):.1f}")
        if cold_times:
            print(f"# {len(cold_times)} warm-up bulk calls before (plans not yet cached per connection): median "
                  f"{statistics.median(cold_times):.1f} ms, min {min(cold_times):.1f}, max {max(cold_times):.1f}")
        if args.skip_rules:
            return
        rules_seconds, made, tests = _rules_job(plain, env, args.rules_as_of)
        print(f"# rules job: {tests:,} emission tests over a year (8 % failing, 60 % of those re-tested), "
              f"lantian vehicles list-rules --as-of {args.rules_as_of} made {made:,} entries")
        print(f"rules job over a year of tests, {rules_seconds:.1f}, s, {RULES_GOAL_S:g}, "
              f"{rules_seconds / RULES_GOAL_S:.2f}, <= {RULES_GOAL_S:g} s")


def _rules_job(plain_url: str, env: dict[str, str], as_of: str) -> tuple[float, int, int]:
    """Generate a year of tests (one annual test per vehicle, re-tests of most failures) and time the rule job."""
    import psycopg

    start = (date.fromisoformat(as_of) - timedelta(days=400)).isoformat()
    with psycopg.connect(plain_url, autocommit=True) as connection:
        for statement in TESTS_FILL.split(";\n"):
            if statement.strip():
                connection.execute(statement.replace("%(start)s", f"'{start}'").replace("%%", "%"))
        tests = connection.execute("SELECT count(*) FROM emission_test").fetchone()[0]
    started = time.perf_counter()
    out = lantian("vehicles", "list-rules", "--as-of", as_of, env=env)
    seconds = time.perf_counter() - started
    made = int(out.strip().splitlines()[-1].split(": ")[1].split()[0])
    return seconds, made, tests


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vehicles", type=int, default=1_000_000, help="generated vehicles (at most 2,400,000)")
    parser.add_argument("--entries", type=int, default=100_000, help="generated list entries")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per figure")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved slices each load figure is split into")
    parser.add_argument("--repeat", type=int, default=20, help="bulk calls timed")
    parser.add_argument("--warmup-bulk", type=int, default=24,
                        help="bulk calls before the timed ones (reported apart: 12 per worker caches the plan)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator (auto: wrk when it is installed)")
    parser.add_argument("--rules-as-of", default="2026-11-26", help="the day the rule job judges")
    parser.add_argument("--skip-rules", action="store_true", help="time the checks only, not the rules job")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    if not 1000 <= args.vehicles <= 2_400_000:
        parser.error("--vehicles must be 1,000 to 2,400,000 (the plate formula's range)")
    if args.client == "auto":
        args.client = "wrk" if wrk_path() else "python"
    if args.client == "wrk":
        args.rounds = max(1, min(args.rounds, int(args.duration)))  # wrk runs whole seconds
    signal.signal(signal.SIGTERM, _raise_interrupt)
    started = time.perf_counter()
    try:
        run(args)
    except KeyboardInterrupt:
        print("# interrupted; servers stopped, databases dropped", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"# benchmark failed: {exc}", file=sys.stderr)
        return 1
    print(f"# total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
