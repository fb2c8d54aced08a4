"""The city-day test's world: the four services started by `shared.cityday.services` on the current backend's
throw-away databases, the day sent once per backend, and the reports built before and after it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from shared.cityday.driver import Api, Reports, Sent, Services, run_city_day
from shared.cityday.model import DISTRICTS, CityDay
from shared.cityday.scenario import build_city_day
from shared.cityday.services import start_private_city
from shared.config import SERVICES
from tests.conftest import TEST_SECRET, Databases

# Small enough for well under two minutes a backend on the shared machine, large enough for every case:
# duplicates, a backlog of several batches, violations at two sites, China IV trucks, failing spot checks.
logger = logging.getLogger("cityday")
SIZE = {"passages": 800, "vehicles": 120, "machines": 20}


@dataclass
class CityDayRun:
    plan: CityDay
    sent: Sent
    reports: dict[str, Reports]  # per area: the city and each of its three districts


@pytest.fixture(scope="module")
def city_day(databases: Databases, auth_database_url: str, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[CityDayRun]:  # fmt: skip
    """The day replayed through vehicles, gatecontrol, railshift and reports running for real."""
    urls = {name: databases.new(name) for name in SERVICES}
    city = start_private_city(tmp_path_factory.mktemp("cityday"), urls, auth_database_url, TEST_SECRET,
                              on_step=logger.info)  # fmt: skip
    try:
        plan = build_city_day(seed=20251210, tag="T", **SIZE)
        api = Services(*(Api(name, city.urls[name], city.token_for) for name in SERVICES))
        sent, reports = run_city_day(plan, api, city.sync_registry, log=logger.info, areas=("city", *DISTRICTS))
        logger.info("reports built")
        yield CityDayRun(plan, sent, reports)
    finally:
        city.stop()
        logger.info("services stopped")
