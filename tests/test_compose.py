"""docker/compose.yaml and docker/Dockerfile, checked against the real CLI and config (no Docker needed).

No database fixture is used: these tests read files and parse command lines only.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pytest
import yaml

from shared.cli import main
from shared.config import ENV_VARS, FRONTENDS, SERVICES

DOCKER = Path(__file__).resolve().parent.parent / "docker"
COMPOSE_FILE = DOCKER / "compose.yaml"
DOCKERFILE = DOCKER / "Dockerfile"
README = DOCKER / "README.md"


# ---- helpers ---------------------------------------------------------------------------------------


def parse_lantian(args: list[str]) -> click.Context:
    """Parse `lantian <args>` with the real click group, down to the leaf command, without running it.

    Raises AssertionError naming the problem if click rejects the command line (unknown command,
    unknown option, bad choice, missing required option, extra arguments, a group with no command).
    """
    try:
        ctx = main.make_context("lantian", list(args), resilient_parsing=False)
        while isinstance(ctx.command, click.Group):
            # What the group left for its sub-command (click >= 8.2 keeps the name in _protected_args).
            protected = ctx._protected_args if hasattr(ctx, "_protected_args") else ctx.protected_args
            rest = [*protected, *ctx.args]
            if not rest:
                raise click.UsageError(f"'{ctx.command_path}' needs a sub-command", ctx)
            name, command, rest = ctx.command.resolve_command(ctx, rest)
            assert command is not None and name is not None
            ctx = command.make_context(name, rest, parent=ctx)
    except (click.ClickException, click.exceptions.Exit, click.Abort) as exc:
        detail = exc.format_message() if isinstance(exc, click.ClickException) else type(exc).__name__
        raise AssertionError(f"`lantian {shlex.join(args)}` is not a valid lantian command: {detail}") from exc
    return ctx


def lantian_invocations(argv: list[str]) -> list[list[str]]:
    """The lantian argument lists an entrypoint+command runs: `lantian ...`, or each part of `sh -c "a && b"`."""
    if argv and argv[0] == "lantian":
        return [argv[1:]]
    if len(argv) == 3 and argv[0] in ("sh", "/bin/sh", "bash", "/bin/bash") and argv[1] == "-c":
        calls = []
        for part in argv[2].split("&&"):
            words = shlex.split(part)
            assert words and words[0] == "lantian", f"{part.strip()!r} in {argv[2]!r} is not a lantian command"
            calls.append(words[1:])
        return calls
    raise AssertionError(f"{argv!r} runs neither lantian nor `sh -c 'lantian ... && lantian ...'`")


def check_command(argv: list[str]) -> list[click.Context]:
    """Assert every lantian invocation in `argv` parses; return the leaf contexts."""
    return [parse_lantian(args) for args in lantian_invocations(argv)]


def service_commands(spec: dict[str, Any]) -> list[click.Context]:
    """Parse what a compose service runs: its entrypoint (default: the Dockerfile's) followed by its command."""
    entrypoint = as_argv(spec.get("entrypoint")) or json.loads(dockerfile_value("ENTRYPOINT"))
    return check_command(entrypoint + as_argv(spec.get("command")))


def as_argv(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, rest = current.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    return instructions


def dockerfile_value(keyword: str) -> str:
    """The arguments of the last `keyword` instruction of the final stage."""
    final_stage = []
    for name, rest in dockerfile_instructions():
        if name == "FROM":
            final_stage = []
        final_stage.append((name, rest))
    values = [rest for name, rest in final_stage if name == keyword]
    assert values, f"the final stage of {DOCKERFILE} has no {keyword}"
    return values[-1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lantian_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The compose services that run the lantian image (built from docker/Dockerfile)."""
    found = {}
    for name, spec in compose["services"].items():
        build = spec.get("build") or {}
        if (isinstance(build, dict) and build.get("dockerfile") == "docker/Dockerfile") or str(
            spec.get("image", "")
        ).startswith("lantian:"):
            found[name] = spec
    return found


def environment(spec: dict[str, Any]) -> dict[str, str]:
    env = spec.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): resolved(str(v)) for k, v in env.items()}


def resolved(value: str) -> str:
    """`value` with compose's `${NAME}`, `${NAME:?message}` and `${NAME:-default}` replaced by a stand-in."""
    return re.sub(r"\$\{(\w+)[^}]*\}", lambda m: f"{m.group(1).lower()}-value", value)


def published(port: str | int | dict[str, Any]) -> tuple[int, int]:
    """(host port, container port) of a compose `ports` entry, short or long syntax."""
    if isinstance(port, dict):
        return int(port["published"]), int(port["target"])
    parts = str(port).split("/")[0].split(":")
    assert len(parts) >= 2, f"port {port!r} is not published on the host"
    return int(parts[-2]), int(parts[-1])


# ---- the checker itself can fail ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "nosuchservice"],
        ["serve", "vehicles", "--bogus"],
        ["serve", "vehicles", "--port", "eighty"],
        ["serve", "vehicles", "extra"],
        ["db", "upgrade", "nosuchservice"],
        ["db", "downgrade"],
        ["db"],
        ["token", "create", "--name", "no role given"],
        ["token", "create", "--role", "emperor", "--name", "x"],
        ["nosuchcommand"],
        [],
    ],
)
def test_checker_rejects_bad_commands(args: list[str]) -> None:
    with pytest.raises(AssertionError, match="is not a valid lantian command"):
        check_command(["lantian", *args])


def test_checker_rejects_non_lantian_parts_of_a_shell_command() -> None:
    check_command(["sh", "-c", "lantian db upgrade && lantian policy seed"])
    with pytest.raises(AssertionError, match="is not a lantian command"):
        check_command(["sh", "-c", "lantian db upgrade && alembic upgrade head"])
    with pytest.raises(AssertionError, match="is not a valid lantian command"):
        check_command(["sh", "-c", "lantian db upgrade && lantian policy sow"])


def test_checker_accepts_real_commands() -> None:
    ctx = check_command(["lantian", "serve", "reports", "--host", "0.0.0.0", "--port", "8004", "--workers", "2"])[0]
    assert ctx.command_path == "lantian serve"
    assert ctx.params["service"] == "reports" and ctx.params["port"] == 8004
    (ctx,) = check_command(["lantian", "token", "create", "--role", "admin", "--name", "ops"])
    assert ctx.params["role"] == "admin"


# ---- compose.yaml ----------------------------------------------------------------------------------


def test_every_lantian_service_runs_a_real_lantian_command(lantian_services: dict[str, dict[str, Any]]) -> None:
    assert lantian_services, f"no service in {COMPOSE_FILE} runs the lantian image"
    for name, spec in lantian_services.items():
        assert "command" in spec, f"service {name!r} has no command (the image default would serve vehicles)"
        for ctx in service_commands(spec):
            assert ctx.command_path != "lantian run", f"service {name!r}: `lantian run` starts all four services"


def test_only_variables_the_config_reads_are_set(lantian_services: dict[str, dict[str, Any]]) -> None:
    for name, spec in lantian_services.items():
        assert "env_file" not in spec, f"service {name!r}: use `environment`, so this test can see every variable"
        unknown = sorted(set(environment(spec)) - set(ENV_VARS))
        assert not unknown, f"service {name!r} sets {unknown}, which shared.config never reads (ENV_VARS)"
        env = environment(spec)
        assert env.get("LANTIAN_ENV") == "production", f"service {name!r} must run with LANTIAN_ENV=production"
        secret = str((spec.get("environment") or {}).get("LANTIAN_SECRET_KEY", ""))
        assert secret.startswith("${LANTIAN_SECRET_KEY:?"), (
            f"service {name!r}: LANTIAN_SECRET_KEY must be `${{LANTIAN_SECRET_KEY:?...}}` (required, from the caller)"
        )
        auth = urlsplit(env.get("LANTIAN_AUTH_DATABASE_URL", ""))
        assert auth.scheme.startswith("postgresql") and auth.hostname == "postgres", (
            f"service {name!r}: LANTIAN_AUTH_DATABASE_URL must point at the postgres service"
        )


@pytest.mark.parametrize("service", list(SERVICES))
def test_service_port_database_and_readiness(service: str, lantian_services: dict[str, dict[str, Any]]) -> None:
    port = SERVICES[service]
    assert service in lantian_services, f"{COMPOSE_FILE} has no {service!r} service running the lantian image"
    spec = lantian_services[service]

    contexts = service_commands(spec)
    assert len(contexts) == 1, f"{service}: the command must be a single `lantian serve`"
    ctx = contexts[0]
    assert ctx.command_path == "lantian serve", f"{service}: command must be `lantian serve`, not {ctx.command_path}"
    assert ctx.params["service"] == service, f"{service}: the command serves {ctx.params['service']!r}"
    assert ctx.params["port"] == port, f"{service}: --port is {ctx.params['port']}, shared.config says {port}"
    assert ctx.params["host"] == "0.0.0.0", f"{service}: --host must be 0.0.0.0 to be reachable from outside"

    ports = [published(p) for p in spec.get("ports", [])]
    assert (port, port) in ports, f"{service}: port {port} is not published as {port}:{port} (have {ports})"

    env = environment(spec)
    url = env.get(f"LANTIAN_{service.upper()}_DATABASE_URL", "")
    parts = urlsplit(url)
    assert parts.scheme.startswith("postgresql"), f"{service}: LANTIAN_{service.upper()}_DATABASE_URL={url!r}"
    assert parts.hostname == "postgres" and parts.path == f"/lantian_{service}", (
        f"{service}: its database must be lantian_{service} on the postgres service, got {url!r}"
    )

    test = " ".join(as_argv(spec.get("healthcheck", {}).get("test")))
    assert f"127.0.0.1:{port}/ready" in test, f"{service}: the healthcheck must ask /ready on port {port}: {test!r}"

    needs = spec.get("depends_on", {})
    assert isinstance(needs, dict) and any(
        dep.get("condition") == "service_completed_successfully" for dep in needs.values()
    ), f"{service}: must wait for the migrations to complete successfully"


def test_reports_finds_the_other_services_by_compose_name(
    compose: dict[str, Any], lantian_services: dict[str, dict[str, Any]]
) -> None:
    env = environment(lantian_services["reports"])
    for other in ("vehicles", "gatecontrol", "railshift"):
        variable = f"LANTIAN_{other.upper()}_URL"
        assert variable in env, f"reports: {variable} is not set (the default 127.0.0.1 is wrong in a container)"
        parts = urlsplit(env[variable])
        assert parts.hostname == other and parts.hostname in compose["services"], (
            f"reports: {variable}={env[variable]!r} must name the compose service {other!r}"
        )
        assert parts.port == SERVICES[other], f"reports: {variable} must use port {SERVICES[other]}"


def test_migrations_run_once_after_postgres_and_before_the_services(
    compose: dict[str, Any], lantian_services: dict[str, dict[str, Any]]
) -> None:
    services = compose["services"]
    assert "postgres" in services and "healthcheck" in services["postgres"], "postgres needs a healthcheck"
    runs = {name: [ctx.command_path for ctx in service_commands(spec)] for name, spec in lantian_services.items()}
    upgraded = [name for name, paths in runs.items() if "lantian db upgrade" in paths]
    seeded = [name for name, paths in runs.items() if "lantian policy seed" in paths]
    assert upgraded == ["migrate"], f"exactly the `migrate` service should run `lantian db upgrade`, got {upgraded}"
    assert len(seeded) == 1, f"exactly one service should run `lantian policy seed`, got {seeded}"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy", (
        "migrate must wait until postgres is healthy"
    )

    def waits_for(name: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
        deps = services[name].get("depends_on") or {}
        return target in deps or any(waits_for(d, target, seen | {name}) for d in deps if d not in seen)

    seeder = seeded[0]
    assert seeder == "migrate" or waits_for(seeder, "migrate"), f"{seeder} seeds the rules before migrate has run"
    for service in SERVICES:
        assert waits_for(service, "migrate"), f"{service} does not wait for migrate"
        assert seeder == "migrate" or waits_for(service, seeder), f"{service} does not wait for {seeder}"


def test_postgres_init_creates_every_database_the_services_use(
    compose: dict[str, Any], lantian_services: dict[str, dict[str, Any]]
) -> None:
    mounts = [str(v).split(":") for v in compose["services"]["postgres"].get("volumes", [])]
    scripts = [DOCKER / src for src, target, *_ in mounts if target.startswith("/docker-entrypoint-initdb.d")]
    assert scripts, "postgres mounts no init script into /docker-entrypoint-initdb.d"
    sql = " ".join(path.read_text(encoding="utf-8") for path in scripts)
    # init scripts given inline as compose configs (`content:`) and mounted into the same directory
    for config in compose["services"]["postgres"].get("configs", []):
        if str(config.get("target", "")).startswith("/docker-entrypoint-initdb.d"):
            sql += " " + str(compose.get("configs", {})[config["source"]].get("content", ""))
    created = set(re.findall(r"CREATE DATABASE\s+\"?(\w+)", sql, re.IGNORECASE))
    used = {
        urlsplit(url).path.lstrip("/")
        for spec in lantian_services.values()
        for key, url in environment(spec).items()
        if key.endswith("_DATABASE_URL")
    }
    assert used <= created, f"databases used but never created: {sorted(used - created)}"


def test_the_console_serves_on_8000_with_its_own_database_and_finds_the_services_by_name(
    compose: dict[str, Any], lantian_services: dict[str, dict[str, Any]]
) -> None:
    assert "console" in lantian_services, f"{COMPOSE_FILE} has no console service running the lantian image"
    spec = lantian_services["console"]
    (ctx,) = service_commands(spec)
    assert ctx.command_path == "lantian serve" and ctx.params["service"] == "console"
    assert ctx.params["port"] == FRONTENDS["console"] and ctx.params["host"] == "0.0.0.0"
    assert (FRONTENDS["console"], FRONTENDS["console"]) in [published(p) for p in spec.get("ports", [])]
    env = environment(spec)
    database = urlsplit(env.get("LANTIAN_CONSOLE_DATABASE_URL", ""))
    assert database.scheme.startswith("postgresql") and database.hostname == "postgres"
    assert database.path == "/lantian_console", "the console's accounts live in a database of their own"
    for other, port in SERVICES.items():
        url = urlsplit(env.get(f"LANTIAN_{other.upper()}_URL", ""))
        assert (url.hostname, url.port) == (other, port), f"console: LANTIAN_{other.upper()}_URL must name {other}"
    test = " ".join(as_argv(spec.get("healthcheck", {}).get("test")))
    assert f"127.0.0.1:{FRONTENDS['console']}/ready" in test
    needs = spec.get("depends_on", {})
    assert needs.get("policy-seed", {}).get("condition") == "service_completed_successfully", (
        "console: must wait for the migrations (its own tables) and the seed"
    )
    assert env.get("LANTIAN_CONSOLE_SECURE_COOKIE", "1") not in ("0", "false", "no"), (
        "console: the session cookie must stay Secure by default"
    )


# ---- Dockerfile ------------------------------------------------------------------------------------


def test_dockerfile_runs_lantian_from_the_installed_package() -> None:
    assert json.loads(dockerfile_value("ENTRYPOINT")) == ["lantian"], 'ENTRYPOINT must be ["lantian"]'
    check_command(["lantian", *json.loads(dockerfile_value("CMD"))])
    assert dockerfile_value("USER") not in ("root", "0"), "the image must not run as root"

    runs = [rest for name, rest in dockerfile_instructions() if name == "RUN"]
    assert any(re.search(r"\bpip install\b[^&]*\s\.(\s|$)", run) for run in runs), (
        "the Dockerfile never runs `pip install .` of the build context"
    )
    for name, rest in dockerfile_instructions():
        if name == "ENV":
            for variable in re.findall(r"\b(LANTIAN_\w+)=", rest):
                assert variable in ENV_VARS, f"the Dockerfile sets {variable}, which shared.config never reads"


def test_dockerfile_healthcheck_is_python() -> None:
    healthcheck = dockerfile_value("HEALTHCHECK")
    argv = json.loads(healthcheck[healthcheck.index("CMD") + 3 :].strip())
    assert argv[:2] == ["python", "-c"], f"the HEALTHCHECK must use python (slim has no curl): {argv}"
    compile(argv[2], "HEALTHCHECK", "exec")
    assert "/health" in argv[2]


def test_compose_builds_the_dockerfile(lantian_services: dict[str, dict[str, Any]]) -> None:
    for name, spec in lantian_services.items():
        build = spec.get("build")
        assert isinstance(build, dict), f"service {name!r} must build docker/Dockerfile"
        assert (COMPOSE_FILE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE, (
            f"service {name!r} builds {build}, not docker/Dockerfile from the repo root"
        )


def test_readme_admin_commands_are_real() -> None:
    """`docker compose ... run --rm migrate <args>` lines in docker/README.md pass <args> to lantian."""
    lines = [
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith("docker compose") and re.search(r"\brun --rm migrate\b", line)
    ]
    assert lines, "docker/README.md shows no `docker compose ... run --rm migrate ...` command"
    for line in lines:
        words = shlex.split(line, comments=True)
        args = words[words.index("migrate") + 1 :]
        for end, word in enumerate(args):
            if word in ("|", ">", ";", "&&"):
                args = args[:end]
                break
        check_command(["lantian", *args])
