"""HTTP baseline of the vehicles service against a bare Flask app, both under gunicorn (2 sync workers).

Run from the repository root:

    .venv/bin/python bench/http_baseline.py [--duration 10] [--db postgresql|sqlite] [--client auto|wrk|python]

It creates throw-away databases, migrates them (`lantian db upgrade vehicles`), seeds the policy rules
(`lantian policy seed vehicles`, or ~30 generated rules posted through the API when the seed file is
missing or empty), starts both servers on free ports of 127.0.0.1, measures, prints one line per
figure (name, value, unit, baseline, ratio, goal), then stops everything and drops the databases.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import yaml
from _support import (
    LOOPBACK,
    REPO_ROOT,
    LoadResult,
    Server,
    free_port,
    http_request,
    load_generator_name,
    run_load,
    throwaway_databases,
    wrk_path,
)

from shared.auth import encode_token

SERVICE = "vehicles"
AS_OF = "2024-11-01"
LIST_PATH = f"/api/v1/policy-rules?as_of={AS_OF}&limit=50"
WORKERS = 2
THROUGHPUT_CONNECTIONS = 32
LATENCY_CONNECTIONS = 4
GENERATED_RULES = 30
SEED = 20241101


@dataclass(frozen=True)
class Target:
    """One endpoint under load, with the goal it is held to relative to the bare Flask app."""

    name: str
    url: str
    headers: dict[str, str]
    min_throughput_ratio: float | None  # None: this is the baseline itself


@dataclass
class Timings:
    """Wall-clock seconds of the set-up steps, reported apart from the measurements."""

    databases: float = 0.0
    seed: float = 0.0
    seed_source: str = ""
    rules: int = 0
    servers: float = 0.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per figure (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load before each figure")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved slices each figure's load is split into")
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--pg-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="where to create (and drop) the throw-away PostgreSQL databases",
    )
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto", help="load generator")
    parser.add_argument(
        "--generate", action="store_true", help="post generated rules even if vehicles/policy_rules.yaml has rows"
    )
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.rounds < 1:
        parser.error("--duration must be positive, --warmup not negative, --rounds at least 1")
    if args.client == "wrk" or (args.client == "auto" and wrk_path()):
        args.rounds = min(args.rounds, max(1, int(args.duration)))  # wrk runs whole seconds
    if args.client == "auto":
        args.client = "wrk" if wrk_path() else "python"
    elif args.client == "wrk" and not wrk_path():
        parser.error("wrk is not installed (apt-get install wrk), use --client python")
    return args


def _raise_interrupt(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt


def service_env(urls: dict[str, str], var_dir: Path, secret_key: str) -> dict[str, str]:
    """The environment of the `lantian` commands: our databases only, none of the caller's LANTIAN_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        LANTIAN_VAR_DIR=str(var_dir),
        LANTIAN_SECRET_KEY=secret_key,
        LANTIAN_AUTH_DATABASE_URL=urls["auth"],
        LANTIAN_VEHICLES_DATABASE_URL=urls[SERVICE],
    )
    return env


def lantian(*args: str, env: dict[str, str]) -> str:
    """Run the `lantian` console script; its stdout, or RuntimeError with its output."""
    script = Path(sys.executable).with_name("lantian")
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "shared.cli"]
    done = subprocess.run([*argv, *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"lantian {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def seed_file_rows() -> int:
    """How many rows vehicles/policy_rules.yaml holds (0 if it is missing or empty)."""
    seed_file = resources.files(SERVICE).joinpath("policy_rules.yaml")
    if not seed_file.is_file():
        return 0
    rows = yaml.safe_load(seed_file.read_text(encoding="utf-8"))
    return len(rows) if isinstance(rows, list) else 0


def generated_rules(count: int) -> Iterator[dict[str, Any]]:
    """`count` seeded-random rules, every one in force on AS_OF."""
    rng = random.Random(SEED)
    for n in range(count):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 300))
        yield {
            "code": f"bench.generated_rule_{n:03d}",
            "jurisdiction": rng.choice(["linfen", "yaodu", "houma", "huozhou"]),
            "subject": f"benchmark subject {n}: heavy diesel trucks of fleet {rng.randrange(1000)}",
            "value": f"{rng.uniform(1, 100):.2f}",
            "value_date": None,
            "unit": "percent",
            "comparison": rng.choice([">=", "<="]),
            "effective_from": start.isoformat(),
            "effective_to": rng.choice([None, "2025-12-31"]),
            "source_document": "临政办发〔2024〕40号",
            "source_item": f"item {rng.randrange(1, 40)}",
            "source_file": None,
            "source_excerpt": "benchmark data, not a real plan excerpt",
            "description": "A generated rule for the HTTP benchmark. " * rng.randrange(1, 4),
        }


def post_generated_rules(base_url: str, token: str) -> int:
    """Add the generated rules through the API; how many were created."""
    headers = {"Authorization": f"Bearer {token}"}
    for rule in generated_rules(GENERATED_RULES):
        status, body = http_request(f"{base_url}/api/v1/policy-rules", method="POST", headers=headers, body=rule)
        if status != 201:
            raise RuntimeError(f"POST /api/v1/policy-rules answered {status}: {body[:500]!r}")
    return GENERATED_RULES


def start_servers(stack: ExitStack, env: dict[str, str], workdir: Path) -> tuple[str, str]:
    """Start the vehicles service and the bare Flask app (same gunicorn settings); their base URLs."""
    service_port, baseline_port = free_port(), free_port()
    service_argv = [sys.executable, "-m", "shared.cli", "serve", SERVICE]
    service_argv += ["--host", LOOPBACK, "--port", str(service_port), "--workers", str(WORKERS)]
    script = Path(sys.executable).with_name("lantian")
    if script.exists():
        service_argv[:3] = [str(script)]
    baseline_argv = [sys.executable, "-m", "gunicorn", "--pythonpath", str(Path(__file__).resolve().parent)]
    baseline_argv += ["--bind", f"{LOOPBACK}:{baseline_port}", "--workers", str(WORKERS), "--worker-class", "sync"]
    baseline_argv += ["--timeout", "60", "--graceful-timeout", "20", "_baseline_app:app"]
    servers = {
        "service": (Server(SERVICE, service_argv, env, workdir / "vehicles.log"), f"http://{LOOPBACK}:{service_port}"),
        "baseline": (
            Server("bare Flask", baseline_argv, env, workdir / "baseline.log"),
            f"http://{LOOPBACK}:{baseline_port}",
        ),
    }
    for server, _ in servers.values():
        stack.callback(server.stop)
    servers["service"][0].wait_ready(f"{servers['service'][1]}/ready")
    servers["baseline"][0].wait_ready(f"{servers['baseline'][1]}/")
    return servers["service"][1], servers["baseline"][1]


def measure(
    client: str, targets: list[Target], connections: int, duration: float, warmup: float, rounds: int
) -> dict[str, LoadResult]:
    """Each target for `duration` seconds in total, in `rounds` interleaved slices (after one warm-up each).

    Slicing means a burst of noise from the machine's other tenants lands on the baseline and the
    service alike. Throughput is all requests over all time; p50 and p99 are medians of the slices.
    """
    for target in targets:
        if warmup:
            run_load(client, target.url, connections, warmup, target.headers)
    slices: dict[str, list[LoadResult]] = {target.name: [] for target in targets}
    for _ in range(rounds):
        for target in targets:
            slices[target.name].append(run_load(client, target.url, connections, duration / rounds, target.headers))
    results = {}
    for name, runs in slices.items():
        failures = sum(r.failures for r in runs)
        if failures:
            print(f"# warning: {name} @{connections}: {failures} failed requests", file=sys.stderr)
        results[name] = LoadResult(
            sum(r.requests for r in runs),
            sum(r.seconds for r in runs),
            failures,
            statistics.median(r.p50_ms for r in runs),
            statistics.median(r.p99_ms for r in runs),
        )
        spread = [r.rate for r in runs]
        print(f"# {name} @{connections}: req/s per slice {min(spread):.0f}..{max(spread):.0f}")
    return results


def figure_lines(targets: list[Target], results: dict[tuple[str, int], LoadResult]) -> Iterator[str]:
    """name, value, unit, baseline, ratio, goal — one line per figure."""
    baseline = targets[0]
    figures: list[tuple[str, int, str, Callable[[LoadResult], float]]] = [
        ("throughput", THROUGHPUT_CONNECTIONS, "req/s", lambda r: r.rate),
        ("latency p50", LATENCY_CONNECTIONS, "ms", lambda r: r.p50_ms),
        ("latency p99", LATENCY_CONNECTIONS, "ms", lambda r: r.p99_ms),
    ]
    yield "# name, value, unit, baseline, ratio, goal"
    for target in targets:
        for label, connections, unit, pick in figures:
            value = pick(results[(target.name, connections)])
            base = pick(results[(baseline.name, connections)])
            ratio = value / base if base else float("nan")
            if target.min_throughput_ratio is None:
                goal = "(the baseline)"
            elif unit == "req/s":
                goal = f">= {target.min_throughput_ratio:g} of bare Flask"
            else:
                goal = f"<= {1 / target.min_throughput_ratio:g}x bare Flask"
            precision = 0 if unit == "req/s" else 2
            yield (
                f"{target.name} {label} @{connections} conns, {value:.{precision}f}, {unit}, "
                f"{base:.{precision}f}, {ratio:.2f}, {goal}"
            )


def run(args: argparse.Namespace) -> None:
    timings = Timings()
    secret_key = secrets.token_hex(32)
    token = encode_token(secret_key, role="admin", name="http benchmark")
    auth = {"Authorization": f"Bearer {token}"}
    print(f"# lantian HTTP baseline: {SERVICE} vs bare Flask, gunicorn {WORKERS} sync workers each, db {args.db}")
    print(
        f"# load generator: {load_generator_name(args.client)}; {args.duration:g} s of load per endpoint and "
        f"concurrency after {args.warmup:g} s warm-up, in {args.rounds} interleaved slices"
    )
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lantian-bench-")))
        started = time.perf_counter()
        urls = stack.enter_context(throwaway_databases(args.db, ["auth", SERVICE], workdir, args.pg_admin_url))
        env = service_env(urls, workdir / "var", secret_key)
        lantian("db", "upgrade", SERVICE, env=env)
        timings.databases = time.perf_counter() - started

        rows = 0 if args.generate else seed_file_rows()
        if rows:
            started = time.perf_counter()
            out = lantian("policy", "seed", SERVICE, env=env)
            timings.seed = time.perf_counter() - started
            timings.seed_source, timings.rules = f"lantian policy seed ({out.strip()})", rows

        started = time.perf_counter()
        service_url, baseline_url = start_servers(stack, env, workdir)
        timings.servers = time.perf_counter() - started

        if not rows:
            started = time.perf_counter()
            timings.rules = post_generated_rules(service_url, token)
            timings.seed = time.perf_counter() - started
            timings.seed_source = "generated, POST /api/v1/policy-rules"

        status, body = http_request(f"{service_url}{LIST_PATH}", headers=auth)
        if status != 200:
            raise RuntimeError(f"GET {LIST_PATH} answered {status}: {body[:500]!r}")
        listed = len(json.loads(body)["items"])
        print(
            f"# setup: databases created + migrated {timings.databases:.1f} s; {timings.rules} policy rules in "
            f"{timings.seed:.1f} s ({timings.seed_source}); both servers ready in {timings.servers:.1f} s"
        )
        print(f"# GET {LIST_PATH} returns {listed} rules, {len(body):,} bytes")

        targets = [
            Target("bare Flask GET /", f"{baseline_url}/", {}, None),
            Target(f"{SERVICE} GET /health", f"{service_url}/health", {}, 0.5),
            Target(f"{SERVICE} GET {LIST_PATH}", f"{service_url}{LIST_PATH}", auth, 0.25),
        ]
        results: dict[tuple[str, int], LoadResult] = {}
        measured = time.perf_counter()
        for connections in (THROUGHPUT_CONNECTIONS, LATENCY_CONNECTIONS):
            measured_now = measure(args.client, targets, connections, args.duration, args.warmup, args.rounds)
            results.update({(name, connections): result for name, result in measured_now.items()})
        for line in figure_lines(targets, results):
            print(line, flush=True)
        print(f"# measurement took {time.perf_counter() - measured:.0f} s; stopping servers, dropping databases")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)  # so `finally` stops the servers on kill too
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    started = time.perf_counter()
    try:
        run(args)
    except KeyboardInterrupt:
        print("# interrupted; servers stopped, databases dropped", file=sys.stderr)
        return 130
    except (RuntimeError, ValueError) as exc:
        print(f"# benchmark failed: {exc}", file=sys.stderr)
        return 1
    print(f"# total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
