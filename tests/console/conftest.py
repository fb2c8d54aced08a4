"""console tests: its own accounts database, and a real railshift (demo data) it calls on the user's behalf."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect
from werkzeug.serving import make_server

from console.config import ConsoleSettings
from tests.conftest import (
    TEST_SECRET,
    Databases,
    Keeper,
    RunningService,
    closed_port_url,
    make_token,
    migrated,
    running_services,
    seed_in_app,
)
from tests.console.factories import PASSWORD, make_user

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
# How long a browser step may wait (Playwright's default for every action and navigation): a ceiling, never a
# wait for a step that succeeds; a CI machine shared with other jobs has taken more than 10 s to load a page.
BROWSER_TIMEOUT_MS = 30_000
# A click that loads a page returns once the answer starts to arrive, so what the page shows is asserted with
# expect(), which waits for it (a bare count() read a half-parsed page on a loaded machine and saw no rows).
expect.set_options(timeout=BROWSER_TIMEOUT_MS)


@pytest.fixture(scope="module")
def service() -> str:
    return "console"


def _demo_service(name: str, backend: str, keeper: Keeper, auth_database_url: str, seed: Callable[[], None],
                  closed: tuple[str, ...] = ()) -> RunningService:
    """The demo service `name` on `backend`, started the first time a module of this worker asks for it."""
    return keeper.get((f"{name}_demo", backend), lambda: _running_demo(
        name, keeper.databases(backend), auth_database_url, keeper.tmp_path_factory, seed, closed))


@contextmanager
def _running_demo(name: str, databases: Databases, auth_database_url: str, tmp_path_factory: pytest.TempPathFactory,
                  seed: Callable[[], None], closed: tuple[str, ...]) -> Iterator[RunningService]:
    """`name` running for real in its own process on a fresh migrated database that `seed` filled first (in an app
    context); the services in `closed` are closed ports, so calls to them fail as when they are down."""
    tmp = tmp_path_factory.mktemp(f"console-{name}")
    url = migrated(databases, name)
    seed_in_app(name, url, auth_database_url, tmp, seed)
    with running_services(tmp, {name: url}, auth_database_url, closed=closed) as running:
        yield running[name]


def _seed_rules(service: str, model: type) -> None:
    from shared.db import unit_of_work
    from shared.policy import load_rule_file, seed_rules

    with unit_of_work() as db_session:
        seed_rules(db_session, model, load_rule_file(service))


@pytest.fixture(scope="module")
def railshift_demo(backend, keeper, auth_database_url) -> RunningService:
    """railshift running for real with its rules, targets and demo year loaded (once per backend).

    gatecontrol is a closed port, so every reconciliation says 'unavailable' with the reason."""

    def seed() -> None:
        from railshift import demo
        from railshift.models import PolicyRule

        _seed_rules("railshift", PolicyRule)
        demo.seed()

    return _demo_service("railshift", backend, keeper, auth_database_url, seed, closed=("gatecontrol",))


@pytest.fixture(scope="module")
def vehicles_demo(backend, keeper, auth_database_url) -> RunningService:
    """vehicles running for real with its rules, phase-out plans, NEV targets, list entries and demo city loaded
    (once per backend; tests that add list entries use subjects of their own)."""

    def seed() -> None:
        from vehicles import demo
        from vehicles.models import PolicyRule

        _seed_rules("vehicles", PolicyRule)
        demo.seed()

    return _demo_service("vehicles", backend, keeper, auth_database_url, seed)


@pytest.fixture(scope="module")
def gatecontrol_demo(backend, keeper, auth_database_url) -> RunningService:
    """gatecontrol running for real with its shipped data and demo (two Linfen plants, their passages in
    December 2025 and the last week, an orange alert in each); vehicles is a closed port."""

    def seed() -> None:
        from gatecontrol import demo
        from shared.db import unit_of_work
        from shared.policy import seed_shipped_data

        with unit_of_work() as db_session:
            seed_shipped_data(db_session, "gatecontrol")
        demo.seed()

    return _demo_service("gatecontrol", backend, keeper, auth_database_url, seed, closed=("vehicles",))


def with_service(config: ConsoleSettings, running: RunningService) -> ConsoleSettings:
    """The console's settings with `running` (a real service) in place of its closed port."""
    return config.with_changes(service_urls={**config.service_urls, running.name: running.url})


def service_api(running: RunningService, path: str, **params: Any) -> Any:
    """GET /api/v1{path} of a running service as the environment bureau: what the console should show."""
    response = requests.get(f"{running.url}/api/v1{path}", params=params, timeout=10,
                            headers={"Authorization": f"Bearer {make_token('environment')}"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def config(databases, railshift_demo, tmp_path_factory) -> ConsoleSettings:
    """The console's settings: a fresh migrated database, railshift real, the other services closed ports."""
    url = migrated(databases, "console")
    urls = {name: closed_port_url() for name in ("vehicles", "gatecontrol", "reports")}
    urls["railshift"] = railshift_demo.url
    return ConsoleSettings(database_url=url, secret_key=TEST_SECRET, service_urls=urls,
                           var_dir=tmp_path_factory.mktemp("console"), testing=True, http_timeout=5.0,
                           http_retries=0, lockout_failures=3, lockout_minutes=15,
                           # scrypt at 1/32 of production's cost: the tests log in hundreds of times, and the
                           # default's 90 ms a hash was a tenth of the whole suite's CPU
                           password_hash_method="scrypt:1024:8:1")


@pytest.fixture(scope="module")
def app(config: ConsoleSettings):
    from console import create_app

    flask_app = create_app(config)
    yield flask_app
    flask_app.extensions["lantian.db"].dispose()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The form token a page carries (every form has one)."""
    match = CSRF.search(html)
    assert match, "the page has no form token"
    return match.group(1)


def log_in(client, username: str, password: str):  # type: ignore[no-untyped-def]
    """Log in through the form, as a browser would (the form's token first)."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def logged_in(app, role: str, username: str, **fields: Any):  # type: ignore[no-untyped-def]
    """A test client of a new user of `role`, logged in through the form."""
    make_user(app, role, username, **fields)
    client = app.test_client()
    log_in(client, username, PASSWORD)
    return client


# ---- the browser (headless Debian chromium through Playwright) ----------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
# Never a browser download, never the network: the system chromium, told not to phone home.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"]
# Chromium on Linux takes its own locale (the one date inputs are drawn in) from LANGUAGE, not from --lang or
# the page: with Debian's chromium-l10n installed (scripts/ensure-chromium) a date input then reads 年/月/日.
# LANG stays as it is: a zh_CN.UTF-8 the system lacks would make Chromium fall back to ASCII file names.
CHROMIUM_LOCALE_ENV = {"LANGUAGE": "zh_CN:zh"}


@pytest.fixture(scope="module")
def live_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The console served over real HTTP (a threaded WSGI server in this process)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless chromium per worker; each test opens its own context (cookies and storage of its own)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: run scripts/ensure-chromium (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              env={**os.environ, **CHROMIUM_LOCALE_ENV})
        yield chromium
        chromium.close()


@pytest.fixture
def page_for(browser, live_url):  # type: ignore[no-untyped-def]
    """page_for(username, phone=False) -> a logged-in page (the form used with the keyboard)."""
    contexts = []

    def open_page(username: str, phone: bool = False):  # type: ignore[no-untyped-def]
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = browser.new_context(viewport=viewport, base_url=live_url, locale="zh-CN")
        contexts.append(context)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("用户名").fill(username)  # found by its label: every input has one
        page.get_by_label("用户名").press("Tab")  # keyboard only from here: Tab to the password, Enter sends
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    yield open_page
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """A full-page screenshot under test-artifacts/console/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS.parent / ".gitignore").write_text("*\n")  # artifacts never end up in git
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def date_fields(page, selector: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The parts of a date or month input in the order the browser draws them (["year", "month", "day"] for
    年/月/日), read from its user-agent shadow tree through the DevTools protocol (scripts cannot see it)."""
    session = page.context.new_cdp_session(page)
    try:
        root = session.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
        target = session.send("DOM.querySelector", {"nodeId": root["nodeId"], "selector": selector})["nodeId"]
        backend = session.send("DOM.describeNode", {"nodeId": target})["node"]["backendNodeId"]
    finally:
        session.detach()
    fields: list[str] = []

    def walk(node: dict[str, Any], inside: bool) -> None:
        inside = inside or node.get("backendNodeId") == backend
        attributes = node.get("attributes", [])
        pseudo = dict(zip(attributes[::2], attributes[1::2], strict=False)).get("pseudo", "")
        part = re.fullmatch(r"-webkit-datetime-edit-(year|month|day)-field", pseudo)
        if inside and part:
            fields.append(part.group(1))
        for child in node.get("children", []) + node.get("shadowRoots", []):
            walk(child, inside)

    walk(root, False)
    return fields
