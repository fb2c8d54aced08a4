"""The reports tests run the three upstream services for real and point the reports app at them."""

from __future__ import annotations

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
