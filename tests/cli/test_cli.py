"""The `lantian` command as an operator uses it: migrate, seed, tokens, and `run` bringing all four services and the
console up (issue 10's "done when": one demo login printed per role, each opening that role's start page)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from shared.config import SERVICES
from tests.conftest import REPO, TEST_SECRET


def free_port_block(size: int) -> int:
    """A base port B with B+1..B+size all free, below the kernel's ephemeral range."""
    import random
    import socket

    for _ in range(100):
        base = random.randrange(20000, 30000)
        sockets = []
        try:
            for port in range(base + 1, base + size + 1):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free block of ports")


def operator_env(databases, var_dir: Path, *services: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An operator's environment: every database of `services` a throw-away one on the current backend."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LANTIAN_", "PROMETHEUS_"))}
    base.update(
        {
            "LANTIAN_VAR_DIR": str(var_dir),
            "LANTIAN_SECRET_KEY": TEST_SECRET,
            "LANTIAN_AUTH_DATABASE_URL": databases.new("cli_auth"),
        }
    )
    for service in services:
        base[f"LANTIAN_{service.upper()}_DATABASE_URL"] = databases.new(f"cli_{service}")
    return base


@pytest.fixture
def env(databases, tmp_path) -> dict[str, str]:
    """Fresh databases of the four services, not yet migrated."""
    return operator_env(databases, tmp_path / "var", *SERVICES)


@pytest.fixture(scope="module")
def demo_city(databases, tmp_path_factory) -> tuple[dict[str, str], str]:
    """Every database (the console's too) migrated and seeded with the demo city once per backend, and what the
    first `lantian demo seed` printed: the tests below read it or run it again, neither changes what it holds."""
    env = operator_env(databases, tmp_path_factory.mktemp("cli") / "var", *SERVICES, "console")
    env["LANTIAN_CONSOLE_SECURE_COOKIE"] = "0"  # plain HTTP here, as on a closed LAN
    lantian(env, "db", "upgrade")
    return env, lantian(env, "demo", "seed").stdout


def lantian(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "shared.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_migrate_seed_and_tokens_like_an_operator(env):
    assert "behind" in lantian(env, "db", "current").stdout
    lantian(env, "db", "upgrade")
    assert "behind" not in lantian(env, "db", "current").stdout
    seeded = lantian(env, "policy", "seed").stdout
    for service in ("railshift", "gatecontrol"):  # their reference tables load without the demo
        expected = rf"{service}: policy rules [1-9]\d* added, 0 already there; reference data [1-9]\d* added"
        assert re.search(expected, seeded), seeded
    assert "rail_share.bulk_freight_with_siding" in lantian(env, "railshift", "rules", "--as-of", "2020-06-01").stdout
    undated = lantian(
        env, "vehicles", "rules", "--as-of", "2020-06-01", "--code", "diesel_truck.china_iii_phaseout_deadline"
    )
    assert "xinzhou       by no date set" in undated.stdout, "a deadline the plan leaves undated is listed, not a crash"

    created = lantian(env, "token", "create", "--role", "enterprise", "--uscc", "914403001922038216", "--name", "Acme")
    token_id = created.stderr.split("token id ", 1)[1].split()[0]
    assert token_id in lantian(env, "token", "list").stdout
    lantian(env, "token", "revoke", token_id, "--reason", "left the company")
    assert token_id not in lantian(env, "token", "list").stdout
    assert "revoked" in lantian(env, "token", "list", "--all").stdout
    twice = lantian(env, "token", "revoke", token_id, "--reason", "again", check=False)
    assert twice.returncode != 0 and "already revoked" in twice.stderr


def test_the_demo_seeded_twice_adds_its_city_once(demo_city):
    env, first = demo_city
    again = lantian(env, "demo", "seed").stdout
    assert "railshift: policy rules 25 added, 0 already there" in first  # on a migrated database it loads the rules
    assert "railshift: policy rules 0 added, 25 already there" in again
    # gatecontrol's demo reads the registry through the vehicles API: most trucks at its gates are registered
    assert "(36 registry trucks among the 42 plates at the gates)" in first, first
    engine = create_engine(env["LANTIAN_GATECONTROL_DATABASE_URL"])
    with engine.connect() as connection:
        known, mismatched, total = connection.execute(text(
            "SELECT sum(CASE WHEN vehicle_known THEN 1 ELSE 0 END), sum(CASE WHEN stage_mismatch THEN 1 ELSE 0 END),"
            " count(*) FROM passage")).one()  # fmt: skip
    engine.dispose()
    assert total == 960 and 0.75 * total < known < 0.95 * total  # registry trucks, and some from out of town
    assert 0 < mismatched < 0.1 * total  # the gates misreport a stage now and then, not on every registry truck
    assert re.search(r"gatecontrol: 2 sites, 0 passages added", again), again


def test_bad_token_requests_are_refused_with_the_reason(env):
    lantian(env, "db", "upgrade")
    bad_uscc = lantian(
        env, "token", "create", "--role", "enterprise", "--uscc", "914403001922038217", "--name", "x", check=False
    )
    assert bad_uscc.returncode == 2 and "check character" in bad_uscc.stderr
    no_site = lantian(env, "token", "create", "--role", "gate", "--name", "gate 1", check=False)
    assert no_site.returncode == 2 and "site" in no_site.stderr


LOGIN = re.compile(r"^  (admin|environment|transport|police|enterprise)\s+(\S+)\s+(\S+)$")
HOMES = {"admin": "/admin/users", "environment": "/environment/", "transport": "/transport/reviews",
         "police": "/police/check", "enterprise": "/enterprise/declarations"}


@pytest.mark.e2e
def test_run_brings_all_four_and_the_console_up_and_prints_working_logins(demo_city):
    env, _ = demo_city
    base = free_port_block(4)
    process = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "run", "--workers", "1", "--base-port", str(base)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, "lantian run exited: " + "".join(lines)
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        _check_console_logins(f"http://127.0.0.1:{base}/", [line.rstrip("\n") for line in lines])
        token = lines[lines.index("admin token (30 days):\n") + 1].strip()
        headers = {"Authorization": f"Bearer {token}"}
        for offset, service in enumerate(SERVICES, start=1):
            url = f"http://127.0.0.1:{base + offset}"
            assert f"{service:<12} {url}" in "".join(lines)
            assert requests.get(f"{url}/ready", timeout=5).status_code == 200
        sources = requests.get(f"http://127.0.0.1:{base + 4}/api/v1/sources", headers=headers, timeout=30).json()
        assert {s["status"] for s in sources["sources"]} == {"ready"}
        rules = requests.get(
            f"http://127.0.0.1:{base + 4}/api/v1/policy-rules",
            params={"as_of": "2024-12-10"},
            headers=headers,
            timeout=30,
        ).json()["rules"]
        assert {r["service"] for r in rules} == {"vehicles", "gatecontrol", "railshift"}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    for offset in range(5):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{base + offset}/health", timeout=2)
    assert Path(env["LANTIAN_VAR_DIR"], "log", "reports.log").exists()


def _check_console_logins(console: str, lines: list[str]) -> None:
    """The console's address and one demo login per role are printed, and each logs in to its start page."""
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
