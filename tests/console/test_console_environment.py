"""Environment dashboards against a real vehicles service with its demo city (6,000 vehicles)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from console.config import ConsoleSettings
from tests.conftest import RunningService, make_settings, service_env
from tests.console.conftest import log_in, shot
from tests.console.factories import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("db")
CELL = r'<td class="num">([\d.—]+)</td>'


@pytest.fixture(scope="module")
def vehicles_demo(databases, auth_database_url, tmp_path_factory) -> Iterator[RunningService]:
    """vehicles running for real with its rules, phase-out plans, NEV targets and demo city loaded."""
    from shared.db import unit_of_work
    from shared.migrate import upgrade
    from shared.policy import load_rule_file, seed_rules
    from vehicles import create_app as create_vehicles
    from vehicles import demo
    from vehicles.models import PolicyRule

    tmp = tmp_path_factory.mktemp("console-vehicles")
    url = databases.new("vehicles")
    upgrade("vehicles", url)
    seeding = create_vehicles(make_settings("vehicles", url, auth_database_url, tmp))
    try:
        with seeding.app_context():
            with unit_of_work() as db_session:
                seed_rules(db_session, PolicyRule, load_rule_file("vehicles"))
            demo.seed()
    finally:
        seeding.extensions["lantian.db"].dispose()
        seeding.extensions["lantian.auth_db"].dispose()
    running = RunningService("vehicles", tmp / "vehicles.log")
    running.start(service_env(tmp, {"vehicles": url}, auth_database_url, {"vehicles": running.url}))
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def config(config: ConsoleSettings, vehicles_demo: RunningService) -> ConsoleSettings:
    return config.with_changes(service_urls={**config.service_urls, "vehicles": vehicles_demo.url})


def _bureau(app):  # type: ignore[no-untyped-def]
    make_user(app, "environment", "wang.min")
    client = app.test_client()
    log_in(client, "wang.min", PASSWORD)
    return client


def test_phaseout_progress_adds_up_by_district_and_flags_a_passed_deadline(app):
    client = _bureau(app)
    html = client.get("/environment/phaseout?plan=linfen_2020_china3&as_of=2025-10-31").get_data(as_text=True)
    city = re.search(r'id="city-progress">(.*?)</p>', html, re.S).group(1)
    numbers = [int(n) for n in re.findall(r"(?<![\d-])(\d+)(?![\d-])", re.sub(r"<[^>]+>", " ", city))[:3]]
    baseline, eliminated, remaining = numbers
    rows = re.findall(r'<tr data-district="(\d{6})">(.*?)</tr>', html, re.S)
    assert len(rows) == 6  # the demo city's six districts
    figures = [[float(x) if x != "—" else None for x in re.findall(CELL, row)] for _, row in rows]
    assert sum(f[0] for f in figures) == baseline
    assert sum(f[2] for f in figures) == eliminated and sum(f[3] for f in figures) == remaining
    for base, added, done, left, *_ in figures:
        assert done + left == base + added  # every truck in scope is either eliminated or still there
    assert "已过期，逾期" in city  # the 2020 plan's deadline (2020-10-31) has passed with trucks remaining
    assert "临政办发〔2020〕13号" in html
    export = client.get("/environment/phaseout/remaining.xlsx?plan=linfen_2020_china3&as_of=2025-10-31"
                        f"&district_code={rows[0][0]}")
    assert export.status_code == 200 and export.get_data()[:2] == b"PK"


def test_nev_shares_list_each_public_fleet(app):
    client = _bureau(app)
    html = client.get("/environment/nev?as_of=2025-10-31").get_data(as_text=True)
    categories = re.findall(r'<tr data-category="(\w+)"><td>([^<]+)</td>', html)
    assert ("bus", "公交车") in categories and ("taxi", "出租车（含网约车）") in categories
    for _, row in re.findall(r'<tr data-category="(\w+)">(.*?)</tr>', html, re.S):
        total, nev, share = (float(x) for x in re.findall(CELL, row)[:3])
        assert nev <= total and share == pytest.approx(100 * nev / total, abs=0.01)
    assert 'id="stack-data"' in html


def test_the_dashboards_are_not_for_the_police(app):
    make_user(app, "police", "zhang.wei")
    client = app.test_client()
    log_in(client, "zhang.wei", PASSWORD)
    assert client.get("/environment/phaseout").status_code == 403
    assert client.get("/environment/nev").status_code == 403


@pytest.mark.e2e
def test_the_dashboards_draw_in_a_browser(app, page_for):
    make_user(app, "environment", "wang.min", display_name="生态环境局 王敏")
    page = page_for("wang.min")
    page.get_by_role("link", name="柴油货车淘汰进度").click()
    page.get_by_label("淘汰计划").select_option("linfen_2020_china3")
    page.get_by_label("截至日期").fill("2025-10-31")
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector("#chart svg")
    assert page.locator("#phaseout tbody tr").count() == 6
    shot(page, "environment-phaseout")
    page.get_by_role("link", name="新能源车辆占比").click()
    page.get_by_label("截至日期").fill("2025-10-31")
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector("#chart svg")
    assert page.locator("#nev tbody tr", has_text="公交车").count() == 1
    shot(page, "environment-nev")


def test_police_find_a_plate_typed_in_full_width_lower_case_and_get_suggestions_for_a_misread_one(app):
    make_user(app, "police", "zhang.wei")
    client = app.test_client()
    log_in(client, "zhang.wei", PASSWORD)
    found = client.get("/police/check?q=晋ｌ０００１２").get_data(as_text=True)  # full width, lower case
    assert "<strong>晋L00012</strong>" in found
    facts = re.search(r'<dl class="facts" id="vehicle-1">(.*?)</dl>', found, re.S).group(1)
    assert "晋L00012" in facts and "注册日期" in facts
    assert "柴油" in facts and "国二" in facts and "报废" in facts  # the demo's truck 12, in Chinese labels
    misread = client.get("/police/check?q=晋L0001Z").get_data(as_text=True)  # Z read for 2
    assert 'id="not-found"' in misread
    suggestions = re.search(r'id="suggestions">(.*?)</p>', misread, re.S).group(1)
    assert "晋L00012" in suggestions
