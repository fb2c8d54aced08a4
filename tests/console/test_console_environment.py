"""Environment dashboards against a real vehicles service with its demo city (6,000 vehicles)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from console.config import ConsoleSettings
from tests.conftest import RunningService
from tests.console.conftest import date_fields, log_in, logged_in, service_api, shot, with_service
from tests.console.factories import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("db")
CELL = r'<td class="num">([\d.—]+)</td>'


@pytest.fixture(scope="module")
def config(config: ConsoleSettings, vehicles_demo: RunningService) -> ConsoleSettings:
    return with_service(config, vehicles_demo)


def _bureau(app):  # type: ignore[no-untyped-def]
    return logged_in(app, "environment", "wang.min")


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


def test_nev_shares_list_each_public_fleet(app, vehicles_demo):
    client = _bureau(app)
    html = client.get("/environment/nev?as_of=2025-10-31").get_data(as_text=True)
    categories = re.findall(r'<tr data-category="(\w+)"><td>([^<]+)</td>', html)
    assert ("bus", "公交车") in categories and ("taxi", "出租车（含网约车）") in categories
    for _, row in re.findall(r'<tr data-category="(\w+)">(.*?)</tr>', html, re.S):
        total, nev, share = (float(x) for x in re.findall(CELL, row)[:3])
        assert nev <= total and share == pytest.approx(100 * nev / total, abs=0.01)
    assert 'id="stack-data"' in html
    # stock and additions targets stand under their own headings; one counting more than NEV names its share
    assert "<th scope=\"col\">保有目标</th>" in html and "<th scope=\"col\">新增目标</th>" in html
    found = service_api(vehicles_demo, "/nev/shares", jurisdiction="linfen", as_of="2025-10-31")
    shares = {r["category"]: r for r in found["rows"]}
    other_bases = 0
    for category, row in re.findall(r'<tr data-category="(\w+)">(.*?)</tr>', html, re.S):
        for measure in ("stock", "additions"):
            cell = re.search(rf'<td data-measure="{measure}">(.*?)</td>', row, re.S).group(1)
            for target in shares[category][measure]["targets"]:
                assert f"≥ {target['value']:g}%" in cell
                if target["basis"] != "nev_share":
                    other_bases += 1
                    assert f"新能源或清洁能源 {target['share']}%" in cell or f"纯电动 {target['share']}%" in cell
                assert ("未达标" if target["met"] is False else "达标") in cell
    assert other_bases  # the demo city has targets counting NEV or clean energy (buses, taxis...)


def test_nev_targets_whose_plan_has_ended_are_shown_as_carried_forward(app):
    # Every Linfen NEV rule had ended by 2025-10-31 (2020 ones 2020-12-31, 临政办发〔2024〕40号 2025-03-31):
    # their targets still apply, marked carried forward with the rule's own end, instead of "—".
    client = _bureau(app)
    html = client.get("/environment/nev?as_of=2025-10-31").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-category="(\w+)">(.*?)</tr>', html, re.S))
    assert "沿用（原规定至2020-12-31止）" in rows["bus"]  # stock: 临政办发〔2020〕13号
    assert "沿用（原规定至2025-03-31止）" in rows["bus"]  # additions: 临政办发〔2024〕40号
    assert "沿用（原规定至2025-03-31止）" in rows["postal_express"]
    assert re.search(r"<td>—</td></tr>", rows["bus"]) is None
    client.get("/lang/en")
    english = client.get("/environment/nev?as_of=2025-10-31").get_data(as_text=True)
    assert "carried forward (its own period ended 2020-12-31)" in english


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
    expect(page.locator("#phaseout tbody tr")).to_have_count(6)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert date_fields(page, "#as_of") == ["year", "month", "day"]  # 2025/10/31 (年/月/日), not 10/31/2025
    shot(page, "environment-phaseout")
    page.get_by_role("link", name="新能源车辆占比").click()
    page.get_by_label("截至日期").fill("2025-10-31")
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector("#chart svg")
    expect(page.locator("#nev tbody tr", has_text="公交车")).to_have_count(1)
    # every fleet's name under the bars is drawn whole, none cut off at the chart's edge
    names = page.evaluate("""() => {
        const box = document.querySelector("#chart").getBoundingClientRect();
        return [...document.querySelectorAll("#chart svg text")].map(t => {
            const r = t.getBoundingClientRect();
            return [t.textContent, r.left >= box.left - 1 && r.right <= box.right + 1
                                   && r.top >= box.top - 1 && r.bottom <= box.bottom + 1];
        });
    }""")
    assert ["出租车（含网约车）", True] in names and all(inside for _, inside in names), names
    shot(page, "environment-nev")
