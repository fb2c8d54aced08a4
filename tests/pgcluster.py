"""A throw-away PostgreSQL cluster that a fault test or benchmark may stop and restart at will.

Never the shared server on 127.0.0.1:5432 (other sessions use that one): it is made with initdb in a directory
of the caller's, listens on a loopback port the caller picked, and is stopped by `stop()`.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from contextlib import suppress
from pathlib import Path

LOOPBACK = "127.0.0.1"


class MissingServer(RuntimeError):
    """The PostgreSQL server binaries (initdb, pg_ctl) are not installed."""


def pg_bin(name: str) -> str:
    """The newest installed PostgreSQL server binary of that name."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise MissingServer(f"{name} not found: install the PostgreSQL server package")
    return found[-1]


class Cluster:
    """A cluster in `root`/data on `port`, owned by `postgres` when we are root (initdb refuses to run as root)."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.data = root / "data"
        self.port = port
        self.as_postgres = os.geteuid() == 0
        root.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(root, "postgres")
        self.log = root / "postgres.log"

    def run(self, *argv: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *argv] if self.as_postgres else list(argv)
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init_and_start(self) -> None:
        self.run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.ctl("start")

    def ctl(self, action: str, *extra: str) -> None:
        """pg_ctl start / stop / restart on this cluster, waiting until it is done."""
        options = f"-p {self.port} -k {self.data} -c listen_addresses={LOOPBACK}"
        self.run(pg_bin("pg_ctl"), action, "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, *extra)

    def stop(self) -> None:
        """Stop at once (nothing to keep); quiet if it is down already."""
        with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.run(pg_bin("pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/{database}"
