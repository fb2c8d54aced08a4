"""The reports tests run the three upstream services for real and point the reports app at them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from shared.config import Settings
from tests.conftest import Databases, RunningService, migrated, running_services, seed_shipped

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


@pytest.fixture(scope="module")
def seeded_upstreams(backend, keeper, auth_database_url):
    """The three upstreams running for real with their shipped rules and targets loaded, once per backend.

    Shared by the report modules (starting three gunicorn services costs ~10 s); each test reads its own
    month or its own enterprises, sites and vehicles, so what another module created does not change it.
    """
    return keeper.get(("seeded_upstreams", backend),
                    lambda: _seeded_upstreams(keeper.databases(backend), auth_database_url, keeper.tmp_path_factory))


@contextmanager
def _seeded_upstreams(
    databases: Databases, auth_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, RunningService]]:
    tmp = tmp_path_factory.mktemp("seeded")
    urls = {name: migrated(databases, name) for name in UPSTREAMS}
    for name, url in urls.items():
        seed_shipped(name, url, auth_database_url, tmp)
    with running_services(tmp, urls, auth_database_url) as running:
        yield running
