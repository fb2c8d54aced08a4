"""Fault test: restart PostgreSQL in the middle of ingesting 100,000 events; prove 0 lost and 0 duplicated.

Run from the repository root (needs the PostgreSQL server binaries, e.g. /usr/lib/postgresql/15/bin):

    .venv/bin/python bench/gatecontrol_fault.py [--events 100000] [--clients 2]

It never touches the shared server: it creates a throw-away cluster (initdb, as the `postgres` user when
run as root) on a free loopback port in a temporary directory, migrates a gatecontrol database there and
serves it under gunicorn (2 sync workers). Clients post the events in batches of 1,000 and retry every
failed batch (connection error or 5xx) with backoff, as a gate system must. When about 40% are in, the
cluster is restarted (`pg_ctl restart -m fast`, which aborts transactions in flight). Afterwards it counts
the ledger and the idempotency keys in the database and prints the figures; it exits 1 if any event is
missing or stored twice. The cluster and its directory are removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from _support import LOOPBACK, REPO_ROOT, Server, free_port, http_request
from gatecontrol_ingest import USCC, passages

from shared.auth import encode_token
from tests.pgcluster import Cluster, MissingServer

BATCH = 1000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--restart-at", type=float, default=0.4, help="share of batches done before the restart")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import psycopg

    secret = secrets.token_hex(32)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lantian-fault-")))
        os.chmod(workdir, 0o755)
        cluster = Cluster(workdir / "pg", free_port())
        try:
            cluster.init_and_start()
        except MissingServer as missing:
            raise SystemExit(str(missing)) from missing
        stack.callback(cluster.stop)
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE gatecontrol")
            admin.execute("CREATE DATABASE auth")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_") and k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(
            LANTIAN_VAR_DIR=str(workdir),
            LANTIAN_SECRET_KEY=secret,
            LANTIAN_AUTH_DATABASE_URL=cluster.url("auth"),
            LANTIAN_GATECONTROL_DATABASE_URL=cluster.url("gatecontrol"),
        )
        subprocess.run([sys.executable, "-m", "shared.cli", "db", "upgrade", "gatecontrol"], env=env, cwd=REPO_ROOT,
                       check=True, capture_output=True)  # fmt: skip
        port = free_port()
        argv_ = [sys.executable, "-m", "shared.cli", "serve", "gatecontrol", "--host", LOOPBACK, "--port", str(port)]
        service = Server("gatecontrol", [*argv_, "--workers", "2"], env, workdir / "service.log")
        stack.callback(service.stop)
        base = f"http://{LOOPBACK}:{port}"
        service.wait_ready(f"{base}/ready")
        admin_headers = {"Authorization": f"Bearer {encode_token(secret, role='environment', name='fault test')}"}
        site = {"uscc": USCC, "name": "fault test", "industry": "steel", "district_code": "141002", "key_user": True}
        http_request(f"{base}/api/v1/sites/S1", method="PUT", headers=admin_headers, body=site)
        for gate, direction in (("G1", "in"), ("G2", "out")):
            http_request(f"{base}/api/v1/sites/S1/gates/{gate}", method="PUT", headers=admin_headers,
                         body={"name": gate, "direction": direction})  # fmt: skip
        _, body = http_request(f"{base}/api/v1/sites/S1/keys", method="POST", headers=admin_headers, body={})
        key = json.loads(body)["key"]

        items = passages(args.events, "fault")
        batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
        done = 0
        retries = 0
        statuses: dict[str, int] = {}
        lock = threading.Lock()
        restarted = threading.Event()

        def send(batch: list[dict]) -> None:
            nonlocal done, retries
            delay = 0.2
            while True:
                try:
                    status, answer = http_request(f"{base}/api/v1/passages/batch", method="POST",
                                                  headers={"Authorization": f"Bearer {key}"},
                                                  body={"passages": batch}, timeout=60)  # fmt: skip
                except OSError:
                    status, answer = 0, b""
                if status == 200:
                    break
                with lock:
                    retries += 1
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
            counts = json.loads(answer)["counts"]
            with lock:
                done += 1
                for name, n in counts.items():
                    statuses[name] = statuses.get(name, 0) + n

        def restarter() -> None:
            while done < len(batches) * args.restart_at:
                time.sleep(0.05)
            began = time.perf_counter()
            cluster.ctl("restart", "-m", "fast")
            print(f"# PostgreSQL restarted after {done} of {len(batches)} batches "
                  f"({time.perf_counter() - began:.1f} s down)", flush=True)  # fmt: skip
            restarted.set()

        print(f"# {args.events} events, batches of {BATCH}, {args.clients} retrying clients; throw-away cluster "
              f"on port {cluster.port}", flush=True)  # fmt: skip
        watcher = threading.Thread(target=restarter, daemon=True)
        watcher.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(send, batches))
        elapsed = time.perf_counter() - started
        watcher.join(timeout=60)

        with psycopg.connect(cluster.url("gatecontrol")) as connection:
            stored, distinct = connection.execute(
                "SELECT count(*), count(DISTINCT event_id) FROM passage WHERE site_id = 'S1'"
            ).fetchone()
            keys = connection.execute("SELECT count(*) FROM passage_key WHERE site_id = 'S1'").fetchone()[0]
            sent = {p["event_id"] for p in items}
            found = {row[0] for row in connection.execute("SELECT event_id FROM passage WHERE site_id = 'S1'")}
        lost, duplicated = len(sent - found), stored - distinct
        print("name, value, unit, baseline, ratio, goal", flush=True)
        print(f"events_lost, {lost}, events, {args.events}, -, 0", flush=True)
        print(f"events_duplicated, {duplicated}, rows, {stored}, -, 0", flush=True)
        print(f"idempotency_keys, {keys}, rows, {args.events}, {keys / args.events:.2f}, 1.00", flush=True)
        print(f"batch_retries, {retries}, requests, {len(batches)}, -, (info: results {statuses})", flush=True)
        print(f"elapsed, {elapsed:.1f}, s, -, -, (info: restart happened: {restarted.is_set()})", flush=True)
        return 0 if lost == 0 and duplicated == 0 and keys == args.events and restarted.is_set() else 1


if __name__ == "__main__":
    sys.exit(main())
