"""First render of the console's main pages on demo data, against a bare Flask page, in the same run.

Run from the repository root:

    .venv/bin/python bench/console_pages.py [--repeat 30]

It creates throw-away PostgreSQL databases (auth, railshift, vehicles, gatecontrol, console), migrates them, loads
railshift's rules, targets and demo year (12 enterprises x 12 months), vehicles' demo city (6,000 vehicles, list
entries), gatecontrol's demo (two plants, their December passages) and the console's demo users, starts the three
services and the console under gunicorn (2 sync workers each) and the bare Flask app of bench/_baseline_app.py, logs
in as each role and times each page `--repeat` times one request after another (the page's own calls to railshift
included). One line per figure: name, value, unit, baseline, ratio, goal. The goal of issue 10: first render
<= 300 ms on demo data. Drops the databases at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, NoReturn

import requests
from _support import LOOPBACK, Server, free_port, throwaway_databases

WORKERS = 2
GOAL_MS = 300
SECRET = "bench-secret-key-0123456789abcdef0123456789"
POSTGRES_ADMIN_URL = os.environ.get("LANTIAN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# (role's demo user name, page) — the page each role lands on and the ones it works in most.
PAGES = (
    ("jiaotong", "/transport/reviews"),
    ("jiaotong", "/transport/declarations/{pending_id}"),
    ("jiaotong", "/transport/ranking?month=2025-06&area=141000"),
    ("jiaotong", "/transport/non-compliant?month=2025-06&area=141000"),
    ("qiye", "/enterprise/declarations"),
    ("huanbao", "/environment/?to=2025-12"),
    ("jiaojing", "/police/check?q={blacklisted_plate}"),
    ("huanbao", "/environment/lists?list_kind=blacklist"),
    ("huanbao", "/environment/gates/?month=2025-12&area=141000"),
    ("qiye", "/enterprise/ledger/?from=2025-12-01&to=2025-12-31"),
    ("qiye", "/enterprise/list-entries"),
    ("admin", "/admin/users"),
    # the vehicles-backed dashboards and the machinery pages (vehicles' demo city: 400 machines, 2025 spot checks)
    ("huanbao", "/environment/phaseout"),
    ("huanbao", "/environment/nev"),
    ("jiaojing", "/police/check?q={lez_machine}&kind=machine&site=1"),
    ("huanbao", "/environment/lists/history?{history_query}"),
    ("huanbao", "/environment/machinery"),
    ("huanbao", "/environment/machinery/{lez_machine}"),
    ("huanbao", "/environment/machinery/coverage?year=2025&month=12&area=141000"),
    ("qiye", "/enterprise/machines"),
)
LEZ_MACHINE = "LF14100200003"  # vehicles' demo: a 国二 excavator banned in the low-emission zone
SERVICES = ("railshift", "vehicles", "gatecontrol")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="requests per page (default 30)")
    return parser.parse_args(argv)


def _raise_interrupt(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt


def seed(urls: dict[str, str], workdir: Path) -> None:
    """Migrate, then load each service's shipped data and demo, and the console's demo users."""
    import importlib

    from console import create_app as create_console
    from console.cli import seed_demo_users
    from console.config import ConsoleSettings
    from shared.config import Settings
    from shared.db import unit_of_work
    from shared.migrate import AUTH_TREE, upgrade
    from shared.policy import seed_shipped_data

    upgrade(AUTH_TREE, urls["auth"])
    upgrade("console", urls["console"])
    for service in SERVICES:
        upgrade(service, urls[service])
        app = importlib.import_module(service).create_app(
            Settings(service=service, database_url=urls[service], auth_database_url=urls["auth"],
                     secret_key=SECRET, var_dir=workdir))
        with app.app_context():
            with unit_of_work() as db_session:
                seed_shipped_data(db_session, service)
            importlib.import_module(f"{service}.demo").seed()
        app.extensions["lantian.db"].dispose()
        app.extensions["lantian.auth_db"].dispose()
    console = create_console(ConsoleSettings(database_url=urls["console"], secret_key=SECRET, var_dir=workdir))
    with console.app_context():
        seed_demo_users()
    console.extensions["lantian.db"].dispose()


def start(stack: ExitStack, urls: dict[str, str], workdir: Path) -> tuple[str, str]:
    """The services, the console and the bare Flask page under gunicorn; the console's and the baseline's URLs."""
    ports = {service: free_port() for service in SERVICES}
    console_port, base_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(LANTIAN_VAR_DIR=str(workdir), LANTIAN_SECRET_KEY=SECRET, LANTIAN_AUTH_DATABASE_URL=urls["auth"],
               LANTIAN_CONSOLE_DATABASE_URL=urls["console"], LANTIAN_CONSOLE_SECURE_COOKIE="0")
    for service, port in ports.items():
        env[f"LANTIAN_{service.upper()}_DATABASE_URL"] = urls[service]
        env[f"LANTIAN_{service.upper()}_URL"] = f"http://{LOOPBACK}:{port}"
    serve = [sys.executable, "-m", "shared.cli", "serve"]
    baseline = [sys.executable, "-m", "gunicorn", "--pythonpath", str(Path(__file__).resolve().parent),
                "--bind", f"{LOOPBACK}:{base_port}", "--workers", str(WORKERS), "--worker-class", "sync",
                "_baseline_app:app"]
    servers = [
        (Server(service, [*serve, service, "--port", str(port), "--workers", str(WORKERS)], env,
                workdir / f"{service}.log"), f"http://{LOOPBACK}:{port}/ready")
        for service, port in ports.items()
    ] + [
        (Server("console", [*serve, "console", "--port", str(console_port), "--workers", str(WORKERS)], env,
                workdir / "console.log"), f"http://{LOOPBACK}:{console_port}/ready"),
        (Server("bare Flask", baseline, env, workdir / "baseline.log"), f"http://{LOOPBACK}:{base_port}/"),
    ]
    for server, _ in servers:
        stack.callback(server.stop)
    for server, ready in servers:
        server.wait_ready(ready)
    return f"http://{LOOPBACK}:{console_port}", f"http://{LOOPBACK}:{base_port}/"


def logged_in(base: str, username: str) -> requests.Session:
    from console.cli import DEMO_USERS

    password = next(u["password"] for u in DEMO_USERS if u["username"] == username)
    http = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{base}/login", timeout=10).text).group(1)
    answer = http.post(f"{base}/login", data={"username": username, "password": password, "csrf_token": token},
                       allow_redirects=False, timeout=10)
    if answer.status_code != 302:
        raise RuntimeError(f"demo login {username} failed: {answer.status_code}")
    return http


def timed(http: requests.Session, url: str, repeat: int) -> tuple[float, float]:
    """(median, p95) milliseconds of `repeat` sequential GETs after one warm-up; every answer must be 200."""
    http.get(url, timeout=10)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = http.get(url, timeout=10)
        samples.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200 or "不可用" in answer.text:
            raise RuntimeError(f"{url} answered {answer.status_code} or named a service unavailable")
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def run(args: argparse.Namespace) -> None:
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="lantian-bench-console-") as tmp:
        workdir = Path(tmp)
        urls = stack.enter_context(throwaway_databases("postgresql", ["auth", *SERVICES, "console"], workdir,
                                                       POSTGRES_ADMIN_URL))
        started = time.perf_counter()
        seed(urls, workdir)
        console, baseline = start(stack, urls, workdir)
        print(f"# setup (migrate, demo data, five servers) took {time.perf_counter() - started:.1f} s; "
              f"{args.repeat} sequential requests per page", file=sys.stderr)
        base_median, base_p95 = timed(requests.Session(), baseline, args.repeat)
        print(f"bare Flask page median, {base_median:.1f}, ms, {base_median:.1f}, 1.00, (the baseline)")
        print(f"bare Flask page p95, {base_p95:.1f}, ms, {base_p95:.1f}, 1.00, (the baseline)")
        sessions: dict[str, requests.Session] = {}
        transport = sessions.setdefault("jiaotong", logged_in(console, "jiaotong"))
        pending = re.search(r'<tr data-id="(\d+)">', transport.get(f"{console}/transport/reviews", timeout=10).text)
        bureau = sessions.setdefault("huanbao", logged_in(console, "huanbao"))
        listed = re.search(r'<tr data-entry="[^"]+" data-subject="([^"|]+)\|',
                           bureau.get(f"{console}/environment/lists?list_kind=blacklist", timeout=10).text)
        history = re.search(r'<tr data-entry="[^"]+" data-subject="[^"]*">\s*<td><a href="[^"?]*\?([^"]+)"',
                            bureau.get(f"{console}/environment/lists?list_kind=blacklist", timeout=10).text)
        for username, path in PAGES:
            http = sessions.setdefault(username, logged_in(console, username))
            page = path.format(pending_id=pending.group(1) if pending else 1,
                               blacklisted_plate=listed.group(1) if listed else "晋L00012",
                               lez_machine=LEZ_MACHINE,
                               history_query=html.unescape(history.group(1)) if history else "plate=晋L00005")
            median, p95 = timed(http, f"{console}{page}", args.repeat)
            print(f"console {page} median, {median:.1f}, ms, {base_median:.1f}, {median / base_median:.2f}, "
                  f"<= {GOAL_MS} ms (issue 10)")
            print(f"console {page} p95, {p95:.1f}, ms, {base_p95:.1f}, {p95 / base_p95:.2f}, "
                  f"<= {GOAL_MS} ms (issue 10)")
        login_median, _ = timed(requests.Session(), f"{console}/login", args.repeat)
        print(f"console /login (anonymous) median, {login_median:.1f}, ms, {base_median:.1f}, "
              f"{login_median / base_median:.2f}, <= {GOAL_MS} ms (issue 10)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        run(args)
    except KeyboardInterrupt:
        print("interrupted; servers stopped and databases dropped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
