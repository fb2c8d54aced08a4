"""The reports tests run the three upstream services for real and point the reports app at them."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from shared.config import Settings

UPSTREAMS = ("vehicles", "gatecontrol", "railshift")


@pytest.fixture(scope="module")
def service() -> str:
    return "reports"


@pytest.fixture(scope="module")
def upstreams(start_services):
    return start_services(*UPSTREAMS)


@pytest.fixture(scope="module")
def config(config: Settings, upstreams) -> Settings:
    urls = {**config.service_urls, **{name: running.url for name, running in upstreams.items()}}
    return config.with_changes(service_urls=urls)


def _seed(name: str, url: str, auth_url: str, tmp) -> None:
    """Load what the service ships as data (policy rules and reference tables) into its test database."""
    import importlib

    from shared.db import unit_of_work
    from shared.policy import seed_shipped_data
    from tests.conftest import make_settings

    app = importlib.import_module(name).create_app(make_settings(name, url, auth_url, tmp))
    try:
        with app.app_context(), unit_of_work() as db_session:
            seed_shipped_data(db_session, name)
    finally:
        app.extensions["lantian.db"].dispose()
        app.extensions["lantian.auth_db"].dispose()


@pytest.fixture(scope="module")
def seeded_upstreams(backend, keeper, auth_database_url):
    """The three upstreams running for real with their shipped rules and targets loaded, once per backend.

    Shared by the report modules (starting three gunicorn services costs ~10 s); each test reads its own
    month or its own enterprises, sites and vehicles, so what another module created does not change it.
    """
    return keeper.get(("seeded_upstreams", backend),
                    lambda: _seeded_upstreams(keeper.databases(backend), auth_database_url, keeper.tmp_path_factory))


@contextmanager
def _seeded_upstreams(databases, auth_database_url, tmp_path_factory):  # type: ignore[no-untyped-def]
    from shared.migrate import upgrade
    from tests.conftest import RunningService, service_env

    tmp = tmp_path_factory.mktemp("seeded")
    urls = {}
    for name in UPSTREAMS:
        urls[name] = databases.new(name)
        upgrade(name, urls[name])
        _seed(name, urls[name], auth_database_url, tmp)
    running = {name: RunningService(name, tmp / f"{name}.log") for name in UPSTREAMS}
    env = service_env(tmp, urls, auth_database_url, {n: s.url for n, s in running.items()})
    for service in running.values():
        service.start(env)
    try:
        for service in running.values():
            service.wait_ready()
        yield running
    finally:
        for service in running.values():
            service.stop()
