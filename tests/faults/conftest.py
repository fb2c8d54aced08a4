"""Fault injection helpers: a throw-away PostgreSQL cluster, gunicorn with several workers, a silent server.

The cluster is never the shared server on 127.0.0.1:5432 (other test sessions use that one): it is made
with initdb in a temporary directory, on a free loopback port, and removed at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
import requests

from tests.conftest import RunningService, free_port
from tests.pgcluster import Cluster, MissingServer

LOOPBACK = "127.0.0.1"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this module's own, which the test may stop and start at will."""
    root = Path(tempfile.mkdtemp(prefix="lantian-faults-pg-"))
    os.chmod(root, 0o755)  # runuser postgres must reach its data directory
    made = Cluster(root, free_port())
    try:
        made.init_and_start()
    except MissingServer as missing:
        pytest.skip(f"{missing}: the PostgreSQL server package is needed for this fault")
    try:
        yield made
    finally:
        made.stop()
        shutil.rmtree(root, ignore_errors=True)


class Gunicorn(RunningService):
    """A real service under gunicorn whose workers can be found and waited for (to kill one)."""

    def worker_pids(self) -> set[int]:
        """The pids of the master's worker processes right now (`shared.cli serve` execs into the master)."""
        assert self.process is not None
        children: set[int] = set()
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            with suppress(FileNotFoundError):
                children.update(int(pid) for pid in (task / "children").read_text().split())
        return children

    def wait_workers(self, count: int, timeout: float = 60, dead: set[int] = frozenset()) -> set[int]:
        """Wait until `count` workers other than `dead` ones are up and answering (gunicorn replaces killed ones)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids() - dead
            if len(pids) >= count:
                with suppress(requests.RequestException):
                    if requests.get(f"{self.url}/ready", timeout=5).status_code == 200:
                        return pids
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: {count} workers not up in {timeout} s: {self.log.read_text()[-2000:]}")


class SilentServer:
    """Accepts TCP connections and reads what is sent, but never answers: a downstream that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._closing.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._held.append(connection)  # kept open and unread-from-our-side: the caller waits for bytes

    def close(self) -> None:
        self._closing.set()
        self._thread.join(timeout=5)
        for connection in self._held:
            connection.close()
        self.sock.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()
