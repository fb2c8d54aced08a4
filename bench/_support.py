"""Helpers the benchmarks share: throw-away databases, server processes, and a bounded load generator.

Load comes from `wrk` when it is installed and from a small asyncio client otherwise; both only ever
talk to 127.0.0.1 and both stop after the duration they are given.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # the repository's own modules beyond the installed packages (tests.pgcluster)
LOOPBACK = "127.0.0.1"


# ---- ports and plain HTTP --------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def check_loopback(url: str) -> None:
    """Refuse any URL that would send traffic off this machine."""
    host = urlsplit(url).hostname
    if host != LOOPBACK:
        raise ValueError(f"benchmarks only talk to {LOOPBACK}, not {host!r}")


def http_request(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: Any = None,
    timeout: float = 10.0,
    data: bytes | None = None,
) -> tuple[int, bytes]:
    """One request (`body` as JSON, or `data` as it is, if given); returns (status, body) and never raises on an
    HTTP error status."""
    check_loopback(url)
    all_headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# ---- throw-away databases --------------------------------------------------------------------------


@contextmanager
def throwaway_databases(kind: str, names: Sequence[str], workdir: Path, admin_url: str) -> Iterator[dict[str, str]]:
    """SQLAlchemy URLs of fresh, empty databases, one per name; dropped (or deleted) on exit.

    `kind` is "postgresql" (databases created through `admin_url`) or "sqlite" (files in `workdir`).
    """
    if kind == "sqlite":
        paths = {name: workdir / f"{name}.sqlite" for name in names}
        try:
            yield {name: f"sqlite+pysqlite:///{path}" for name, path in paths.items()}
        finally:
            for path in paths.values():
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    import psycopg

    check_loopback(admin_url.replace("postgresql+psycopg://", "postgresql://"))
    tag = f"lantian_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    databases = {name: f"{tag}_{name}" for name in names}
    created: list[str] = []
    try:
        admin = psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"cannot reach PostgreSQL at {admin_url}: {exc}") from exc
    try:
        for database in databases.values():
            admin.execute(f'CREATE DATABASE "{database}"')  # names are ours, not user input
            created.append(database)
        base = admin_url.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0]
        yield {name: f"{base}/{database}" for name, database in databases.items()}
    finally:
        for database in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


# ---- server processes ------------------------------------------------------------------------------


class Server:
    """A server process (e.g. a gunicorn master) in its own process group, logging to a file."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to us; we stop it, and its workers, ourselves
        )

    def wait_ready(self, url: str, timeout: float = 60.0) -> None:
        """Poll `url` until it answers 200; RuntimeError (with the log's tail) if it dies or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited during start-up:\n{self.log_tail()}")
            try:
                if http_request(url, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} was not ready at {url} within {timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, grace: float = 25.0) -> None:
        """SIGTERM (gunicorn stops its workers gracefully), then SIGKILL whatever is left of the group."""
        pgid = self.process.pid  # start_new_session: the group is ours alone
        if self.process.poll() is None:
            self.process.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
        with suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self.process.wait()
        self._log.close()


# ---- load generation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    """What one load run measured."""

    requests: int
    seconds: float
    failures: int  # non-2xx answers plus connect/read/write errors and timeouts
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str | None:
    return shutil.which("wrk")


def load_generator_name(client: str) -> str:
    """A human-readable name of the client that `run_load` will use."""
    if client == "wrk":
        out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10).stdout
        return out.split(" Copyright")[0].strip() or "wrk"
    return "python asyncio client (1 process, new connection per request)"


@dataclass(frozen=True)
class JsonPosts:
    """POST requests with a JSON body: `template` with `unique_field` set to a fresh value each request
    ("<prefix>-<thread>-<n>"), as an endpoint that stores what it is sent needs (a new event each time)."""

    template: Mapping[str, Any]
    unique_field: str
    prefix: str

    def halves(self) -> tuple[str, str]:
        """The JSON body before and after the unique value (the value goes between, as JSON string content)."""
        marker = "@@UNIQUE@@"
        head, tail = json.dumps({**self.template, self.unique_field: marker}).split(marker)
        return head, tail


def run_load(
    client: str,
    url: str,
    connections: int,
    duration: float,
    headers: Mapping[str, str] | None = None,
    posts: JsonPosts | None = None,
) -> LoadResult:
    """Hit `url` with `connections` concurrent connections for `duration` seconds: GET, or `posts` if given."""
    check_loopback(url)
    if client == "wrk":
        return _run_wrk(url, connections, duration, headers or {}, posts)
    return asyncio.run(_run_python(url, connections, duration, headers or {}, posts))


_WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %f %f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def _run_wrk(
    url: str, connections: int, duration: float, headers: Mapping[str, str], posts: JsonPosts | None
) -> LoadResult:
    script_text = _WRK_SCRIPT
    if posts is not None:
        head, tail = posts.halves()
        # each wrk thread numbers its own requests; setup() gives every thread its own number
        script_text += f"""
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("tid", threads) end
local sent = 0
local head, tail = [==[{head}{posts.prefix}-]==], [==[{tail}]==]
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  sent = sent + 1
  return wrk.format(nil, nil, nil, head .. tid .. "-" .. sent .. tail)
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="lantian-bench-", delete=False) as handle:
        handle.write(script_text)
    script = Path(handle.name)
    try:
        argv = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{max(1, round(duration))}s"]
        argv += ["--timeout", "10s", "-s", str(script)]
        for name, value in headers.items():
            argv += ["-H", f"{name}: {value}"]
        out = subprocess.run([*argv, url], capture_output=True, text=True, timeout=duration + 30, check=True).stdout
    finally:
        script.unlink(missing_ok=True)
    match = re.search(r"^BENCH (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)$", out, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"could not read wrk's report:\n{out}")
    requests, micros, failures = (int(match.group(i)) for i in (1, 2, 3))
    return LoadResult(requests, micros / 1e6, failures, float(match.group(4)) / 1000, float(match.group(5)) / 1000)


async def _run_python(
    url: str, connections: int, duration: float, headers: Mapping[str, str], posts: JsonPosts | None
) -> LoadResult:
    """A bounded closed-loop client: each of `connections` tasks sends one request at a time."""
    parts = urlsplit(url)
    host, port = parts.hostname or LOOPBACK, parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{'GET' if posts is None else 'POST'} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if posts is None:
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
        return await closed_loop(host, port, lambda: raw, connections, duration)
    head, tail = posts.halves()
    start = "\r\n".join([*lines, "Content-Type: application/json"])
    counter = iter(range(10**12))

    def request_bytes() -> bytes:
        body = f"{head}{posts.prefix}-0-{next(counter)}{tail}".encode()
        return f"{start}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body

    return await closed_loop(host, port, request_bytes, connections, duration)


async def closed_loop(
    host: str, port: int, request_bytes: Callable[[], bytes], connections: int, duration: float
) -> LoadResult:
    """`connections` tasks each send one raw HTTP/1.1 request at a time (a new connection each, as gunicorn's
    sync workers close every response) until `duration` has passed; `request_bytes` may vary each request."""
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + duration

    async def one() -> bool:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(request_bytes())
            status = await reader.readline()
            await reader.read()  # the body, up to the close
        finally:
            writer.close()
        return status[9:10] == b"2"

    async def worker() -> None:
        nonlocal failures
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                ok = await asyncio.wait_for(one(), timeout=10)
            except (OSError, TimeoutError):
                ok = False
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                failures += 1

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(connections))), timeout=duration + 15)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return LoadResult(len(latencies), elapsed, failures, _percentile(latencies, 50), _percentile(latencies, 99))


def _percentile(sorted_seconds: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not sorted_seconds:
        return float("nan")
    rank = max(0, min(len(sorted_seconds) - 1, round(pct / 100 * len(sorted_seconds)) - 1))
    return sorted_seconds[rank] * 1000
