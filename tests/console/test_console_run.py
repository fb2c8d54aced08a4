"""Issue 10's "done when": `lantian run` (what `make run` starts) also starts the console and prints one demo login
per role, and each printed login opens that role's start page over HTTP."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import REPO
from tests.test_cli import env, free_port_block, lantian  # noqa: F401 -- env is the operator's environment fixture

pytestmark = pytest.mark.e2e
LOGIN = re.compile(r"^  (admin|environment|transport|police|enterprise)\s+(\S+)\s+(\S+)$")
HOMES = {"admin": "/admin/users", "environment": "/environment/", "transport": "/transport/reviews",
         "police": "/police/check", "enterprise": "/enterprise/declarations"}


def test_run_starts_the_console_and_every_printed_demo_login_works(env, databases):  # noqa: F811
    env = {**env, "LANTIAN_CONSOLE_DATABASE_URL": databases.new("cli_console"),
           "LANTIAN_CONSOLE_SECURE_COOKIE": "0"}  # plain HTTP here, as on a closed LAN
    lantian(env, "db", "upgrade")
    lantian(env, "demo", "seed")
    base = free_port_block(4)
    process = subprocess.Popen([sys.executable, "-m", "shared.cli", "run", "--workers", "1", "--base-port", str(base)],
                               env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, "lantian run exited: " + "".join(lines)
            lines.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C"):
                break
        console = f"http://127.0.0.1:{base}/"
        assert any(line.startswith(f"console: {console}") for line in lines), lines
        logins = {m.group(1): (m.group(2), m.group(3)) for m in map(LOGIN.match, lines) if m}
        assert set(logins) == set(HOMES)
        for role, (username, password) in logins.items():
            http = requests.Session()
            form = http.get(f"{console}login", timeout=10).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            answer = http.post(f"{console}login", timeout=30, allow_redirects=False,
                               data={"username": username, "password": password, "csrf_token": token})
            assert answer.status_code == 302 and answer.headers["Location"].endswith(HOMES[role]), (role, answer.text)
            assert http.get(f"{console.rstrip('/')}{HOMES[role]}", timeout=30).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{base}/health", timeout=2)
