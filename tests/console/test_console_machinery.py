"""Non-road machinery pages against a real vehicles service (its demo city: 400 machines, the 2025 spot-check
plans and inspections): search and export, a machine's page, registration, the coverage dashboard, inspections
and follow-ups; who may see what (police read-only, an enterprise only its own machines)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from console.config import ConsoleSettings
from shared.timeutil import zone
from tests.conftest import RunningService
from tests.console.conftest import csrf_token, log_in, logged_in, service_api, shot, with_service
from tests.console.factories import DEMO_STEEL_USCC, PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("db")
LEZ_MACHINE = "LF14100200003"  # the demo's December 2025 LEZ violation: a 国二 machine in 尧都区


@pytest.fixture(scope="module")
def config(config: ConsoleSettings, vehicles_demo: RunningService) -> ConsoleSettings:
    return with_service(config, vehicles_demo)


def every_machine(vehicles_demo: RunningService, **filters: Any) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        page = service_api(vehicles_demo, "/machinery/machines", limit=500, **filters,
                           **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def _codes(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', html)


def _today() -> str:
    return datetime.now(zone()).date().isoformat()


def _register(client, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/environment/machinery/new").get_data(as_text=True))
    form = {"csrf_token": token, "code": "LF14102399001", "machine_type": "loader", "fuel": "diesel",
            "emission_stage": "nonroad_3", "owner_uscc": DEMO_STEEL_USCC, "district_code": "141023",
            "site": "襄汾县 测试工地", "registered_on": "2026-03-02", **fields}
    return client.post("/environment/machinery/new", data=form)


def test_search_by_type_stage_and_district_in_keyset_pages(app, vehicles_demo):
    client = logged_in(app, "environment", "wang.min")
    expected = [m["code"] for m in every_machine(vehicles_demo, machine_type="excavator", district_code="141002")]
    assert len(expected) > 20  # more than one page
    first = client.get("/environment/machinery?machine_type=excavator&district_code=141002").get_data(as_text=True)
    assert _codes(first) == expected[:20]
    assert "挖掘机" in first and "141002 尧都区" in first
    following = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "machine_type=excavator" in following and "district_code=141002" in following
    assert _codes(client.get(following).get_data(as_text=True)) == expected[20:40]

    stage = client.get("/environment/machinery?emission_stage=nonroad_2&code_prefix=lf141024").get_data(as_text=True)
    assert _codes(stage) == [m["code"] for m in every_machine(vehicles_demo, emission_stage="nonroad_2",
                                                              code_prefix="LF141024")][:20]
    owner = every_machine(vehicles_demo)[0]["owner_uscc"]
    assert set(_codes(client.get(f"/environment/machinery?owner_uscc={owner}").get_data(as_text=True))) == {
        m["code"] for m in every_machine(vehicles_demo, owner_uscc=owner)}
    refused = client.get("/environment/machinery?owner_uscc=not-a-code")
    assert refused.status_code == 200 and 'class="problem"' in refused.get_data(as_text=True)  # the field, named
    assert "owner_uscc" in refused.get_data(as_text=True)


def test_export_writes_what_the_filters_find_as_csv_and_xlsx(app, vehicles_demo):
    from openpyxl import load_workbook

    client = logged_in(app, "environment", "wang.min")
    expected = every_machine(vehicles_demo, machine_type="loader")
    answer = client.get("/environment/machinery/export.csv?machine_type=loader")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert rows[0][:4] == ["编码", "机械类型", "燃料", "排放阶段"]
    assert [row[0] for row in rows[1:]] == [m["code"] for m in expected]
    assert {row[1] for row in rows[1:]} == {"装载机"}

    xlsx = client.get("/environment/machinery/export.xlsx?machine_type=loader&district_code=141002")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.get_data()), read_only=True).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == [m["code"] for m in expected if m["district_code"] == "141002"]


def test_a_machines_page_shows_facts_history_inspections_and_todays_verdict(app, vehicles_demo):
    client = logged_in(app, "environment", "wang.min")
    html = client.get(f"/environment/machinery/{LEZ_MACHINE.lower()}").get_data(as_text=True)
    machine = service_api(vehicles_demo, f"/machinery/machines/{LEZ_MACHINE}")
    assert machine["emission_stage"] == "nonroad_2" and "国二" in html and machine["owner_uscc"] in html
    verdict = service_api(vehicles_demo, "/machinery/verdict", code=LEZ_MACHINE, date=_today())
    assert verdict["banned"] is True
    assert 'data-banned="yes"' in html and "禁止使用" in html
    assert all(f'data-code="{reason["code"]}"' in html for reason in verdict["reasons"])
    inspections = service_api(vehicles_demo, "/machinery/inspections", code=LEZ_MACHINE)["items"]
    assert inspections and all(f'<tr data-ref="{i["inspection_ref"]}"' in html for i in inspections)
    assert any(i["lez_violation"] for i in inspections) and "低排放区违规" in html
    assert 'id="history"' in html and "临汾市非道路移动机械低排放控制区(市区)" in html  # the zone by its name
    assert client.get("/environment/machinery/LF99999999999").status_code == 404
    assert client.get("/environment/machinery/x-1").status_code == 404  # not a code: no such page either


def test_register_keeps_what_was_typed_on_a_refusal_and_a_retry_registers_once(app, vehicles_demo):
    client = logged_in(app, "environment", "wang.min")
    refused = _register(client, owner_uscc="91141002MADEM00001")  # wrong check character
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'class="problem"' in html and 'id="owner_uscc-error"' in html
    assert 'value="LF14102399001"' in html and 'value="91141002MADEM00001"' in html  # still there to correct
    assert service_api(vehicles_demo, "/machinery/machines", code_prefix="LF14102399001")["items"] == []

    first = _register(client)
    assert first.status_code == 302 and first.headers["Location"].endswith("/environment/machinery/LF14102399001")
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "已登记：LF14102399001。" in page and "装载机" in page and "在用" in page
    again = _register(client)  # the same form sent twice (a double click, a retry after a timeout)
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert len(service_api(vehicles_demo, "/machinery/machines", code_prefix="LF14102399001")["items"]) == 1
    other = _register(client, machine_type="crane")  # the same code with other facts: vehicles' 409, shown
    assert other.status_code == 422 and "machine_type" in other.get_data(as_text=True)


def test_coverage_dashboard_per_district_against_the_target(app, vehicles_demo):
    client = logged_in(app, "environment", "wang.min")
    html = client.get("/environment/machinery/coverage?year=2025&month=2025-12&area=141000").get_data(as_text=True)
    report = service_api(vehicles_demo, "/machinery/coverage", year=2025, area="141000")
    assert report["target"]["value"] == "0.20"
    for district in report["by_district"]:
        row = re.search(rf'<tr data-district="{district["district_code"]}" data-met="(\w+)">(.*?)</tr>', html, re.S)
        assert row, district
        assert row.group(1) == ("yes" if district["target_met"] else "no")
        share = f'{float(district["share"]) * 100:.2f}'
        assert f'<td class="num">{share}</td>' in row.group(2) and '<td class="num">20.00</td>' in row.group(2)
    met = {d["district_code"] for d in report["by_district"] if d["target_met"]}
    assert len(met) == 2 and len(report["by_district"]) == 6  # the demo: two districts over 20 %, four under
    assert 'id="city-share">19.25%' in html and "未达标" in html
    assert '"target": "20.00"' in html  # the chart's target line
    for failure in report["failures"]:
        assert f'<tr data-ref="{failure["inspection_ref"]}" data-follow-up="{failure["follow_up"]}"' in html
    open_refs = [f["inspection_ref"] for f in report["failures"] if f["follow_up"] == "open"]
    assert open_refs and all(f'class="inline follow-up" data-ref="{ref}"' in html for ref in open_refs)
    summary = service_api(vehicles_demo, "/summaries/machinery", month="2025-12", area="141000")
    assert [v["machine_code"] for v in summary["lez_violations"]] == [LEZ_MACHINE]
    assert re.search(rf'<table class="data" id="lez-violations">.*data-code="{LEZ_MACHINE}"', html, re.S)


def test_record_an_inspection_then_update_its_follow_up(app, vehicles_demo):
    client = logged_in(app, "environment", "wang.min")
    _register(client, code="LF14108199002", district_code="141081", machine_type="excavator")
    page = client.get("/environment/machinery/inspections/new?code=LF14108199002").get_data(as_text=True)
    assert 'value="LF14108199002"' in page
    form = {"csrf_token": csrf_token(page), "inspection_ref": "SC-TEST-0001", "code": "lf14108199002",
            "inspected_on": _today(), "site": "霍州市 测试工地", "registration_ok": "yes", "pollution_control_ok": "no",
            "emission_tested": "1", "opacity": "1.20", "opacity_limit": "0.80"}
    bad = client.post("/environment/machinery/inspections/new", data={**form, "opacity": "abc"})
    assert bad.status_code == 422 and "opacity" in bad.get_data(as_text=True)
    assert 'value="霍州市 测试工地"' in bad.get_data(as_text=True)
    unknown = client.post("/environment/machinery/inspections/new", data={**form, "code": "LF00000000000"})
    assert unknown.status_code == 422 and 'value="LF00000000000"' in unknown.get_data(as_text=True)

    recorded = client.post("/environment/machinery/inspections/new", data=form)
    assert recorded.status_code == 302 and recorded.headers["Location"].endswith("/LF14108199002")
    machine = client.get(recorded.headers["Location"]).get_data(as_text=True)
    assert "已记录检查 SC-TEST-0001。" in machine and "整改期限" in machine
    assert client.post("/environment/machinery/inspections/new", data=form).status_code == 302  # a retry: same

    year = _today()[:4]
    dashboard = f"/environment/machinery/coverage?year={year}"
    html = client.get(dashboard).get_data(as_text=True)
    assert '<tr data-ref="SC-TEST-0001" data-follow-up="open"' in html
    step = {"csrf_token": csrf_token(html), "follow_up": "repaired", "effective_date": _today(),
            "reason": "更换颗粒捕集器", "next": dashboard}
    done = client.post("/environment/machinery/inspections/SC-TEST-0001/follow-up", data=step)
    assert done.status_code == 302 and done.headers["Location"] == dashboard
    after = client.get(dashboard).get_data(as_text=True)
    assert "SC-TEST-0001 整改状态已更新为：已维修。" in after
    assert '<tr data-ref="SC-TEST-0001" data-follow-up="repaired"' in after
    closed = client.post("/environment/machinery/inspections/SC-TEST-0001/follow-up",
                         data={**step, "follow_up": "retested_pass"})
    assert closed.status_code == 302
    late = client.post("/environment/machinery/inspections/SC-TEST-0001/follow-up",
                       data={**step, "follow_up": "removed"}, follow_redirects=True).get_data(as_text=True)
    assert 'class="flash error"' in late and "SC-TEST-0001:" in late  # closed already: vehicles' 409, said
    history = client.get("/environment/machinery/LF14108199002").get_data(as_text=True)
    assert "更换颗粒捕集器" in history and "复检合格" in history


def test_transport_and_enterprise_are_kept_out_and_police_read_a_machine_from_the_check(app):
    paths = ("/environment/machinery", "/environment/machinery/new", f"/environment/machinery/{LEZ_MACHINE}",
             "/environment/machinery/coverage", "/environment/machinery/inspections/new",
             "/environment/machinery/export.csv")
    clients = {role: logged_in(app, role, name, **extra) for role, name, extra in (
        ("transport", "li.qiang", {}), ("enterprise", "qiye", {"uscc": DEMO_STEEL_USCC}), ("police", "zhang.wei", {}))}
    for role, client in clients.items():
        for path in paths:
            assert client.get(path).status_code == 403, (role, path)
    police = clients["police"]
    check = police.get(f"/police/check?q={LEZ_MACHINE}").get_data(as_text=True)
    assert f'href="/police/machines/{LEZ_MACHINE}"' in check
    html = police.get(f"/police/machines/{LEZ_MACHINE}").get_data(as_text=True)
    assert "国二" in html and 'data-banned="yes"' in html and 'id="history"' in html
    assert 'method="post"' not in html.split('<main id="main">')[1]  # read-only: no write form on the page
    assert 'id="inspections"' not in html
    bureau = logged_in(app, "environment", "wang.min")
    assert bureau.get(f"/police/machines/{LEZ_MACHINE}").status_code == 403
    admin = logged_in(app, "admin", "root")  # admin opens every page, with vehicles' answers
    for path in (f"/police/machines/{LEZ_MACHINE}", "/environment/machinery/coverage?year=2025",
                 "/environment/machinery?machine_type=crane"):
        page = admin.get(path)
        assert page.status_code == 200 and 'class="problem"' not in page.get_data(as_text=True), path
    admin.get("/lang/en?next=/environment/machinery/coverage")
    english = admin.get("/environment/machinery/coverage?year=2025").get_data(as_text=True)
    assert "Non-road machinery: spot-check coverage" in english and "Share tested" in english


def test_an_enterprise_sees_only_its_own_machines(app, vehicles_demo):
    machines = every_machine(vehicles_demo)
    owner = machines[0]["owner_uscc"]
    own = [m["code"] for m in machines if m["owner_uscc"] == owner]
    other = next(m["code"] for m in machines if m["owner_uscc"] != owner)
    client = logged_in(app, "enterprise", "jixie", uscc=owner)
    html = client.get("/enterprise/machines").get_data(as_text=True)
    assert sorted(_codes(html)) == sorted(own)[:20] and all(f'data-owner="{owner}"' in row for row in
                                                            re.findall(r"<tr data-code=[^>]+>", html))
    mine = client.get(f"/enterprise/machines/{own[0]}")
    assert mine.status_code == 200 and own[0] in mine.get_data(as_text=True)
    assert 'id="inspections"' in mine.get_data(as_text=True)
    edited = client.get(f"/enterprise/machines/{other}")  # the URL edited to another enterprise's machine
    assert edited.status_code == 404 and 'id="machine-facts"' not in edited.get_data(as_text=True)
    someone_else = next(m["owner_uscc"] for m in machines if m["owner_uscc"] != owner)
    asked = client.get(f"/enterprise/machines?owner_uscc={someone_else}").get_data(as_text=True)
    assert set(_codes(asked)) <= set(own)  # a filter on another's code still answers only about us
    stranger = logged_in(app, "enterprise", "qiye", uscc=DEMO_STEEL_USCC)
    assert other not in stranger.get("/enterprise/machines").get_data(as_text=True)


def test_vehicles_down_the_pages_say_so_and_show_the_rest(app, config):
    from console import create_app

    make_user(app, "environment", "wang.min")
    down = create_app(config.with_changes(service_urls={**config.service_urls, "vehicles": "http://127.0.0.1:9"}))
    try:
        client = down.test_client()
        log_in(client, "wang.min", PASSWORD)
        for path in ("/environment/machinery", "/environment/machinery/coverage?year=2025"):
            page = client.get(path)
            html = page.get_data(as_text=True)
            assert page.status_code == 200 and 'data-service="vehicles"' in html, path
        assert 'id="year"' in html  # the form is still there
        form = client.get("/environment/machinery/new").get_data(as_text=True)
        refused = client.post("/environment/machinery/new",
                              data={"csrf_token": csrf_token(form), "code": "LF1410239903"})
        assert refused.status_code == 422 and 'value="LF1410239903"' in refused.get_data(as_text=True)
    finally:
        down.extensions["lantian.db"].dispose()


@pytest.mark.e2e
def test_the_bureau_searches_machines_in_a_browser(app, page_for):
    make_user(app, "environment", "wang.min", display_name="生态环境局 王敏")
    page = page_for("wang.min")
    page.get_by_role("link", name="非道路移动机械").click()
    page.get_by_label("机械类型").select_option("loader")
    page.get_by_label("所在区县").select_option("141002")
    page.get_by_role("button", name="查询").click()
    rows = page.locator("#machines tbody tr")
    expect(rows.first).to_contain_text("装载机")
    shot(page, "machinery-list")
    page.goto(f"/environment/machinery?code_prefix={LEZ_MACHINE}")
    page.get_by_role("link", name=LEZ_MACHINE).click()
    page.wait_for_selector("#verdict")
    assert page.locator("#verdict .big").inner_text() == "禁止使用"  # a 国二 machine in the low-emission zone
    assert "低排放控制区" in page.locator("#verdict").inner_text()
    shot(page, "machinery-machine")


@pytest.mark.e2e
def test_the_coverage_dashboard_in_a_browser(app, page_for):
    make_user(app, "environment", "wang.min", display_name="生态环境局 王敏")
    page = page_for("wang.min")
    page.goto("/environment/machinery/coverage?year=2025&month=2025-12&area=141000")
    page.wait_for_selector("#chart svg")
    expect(page.locator("#chart svg rect, #chart svg path").nth(6)).to_be_attached()  # six bars and the target line
    drawn = page.locator("#chart").inner_text()
    assert "目标 20.00%" in drawn and "25.58%" in drawn  # the target line's label; 曲沃县's bar, over it
    # no bar's figure sits on the dashed target line (侯马市's 19.23 % and 尧都区's 20.87 % are right by it)
    crossed = page.evaluate("""() => {
        const el = document.querySelector("#chart");
        const line = echarts.getInstanceByDom(el).convertToPixel({ yAxisIndex: 0 }, 20)
                     + el.getBoundingClientRect().top;
        return [...el.querySelectorAll("svg text")].filter(t => /^\\d+\\.\\d+%$/.test(t.textContent))
            .filter(t => { const r = t.getBoundingClientRect(); return r.top - 2 <= line && line <= r.bottom + 2; })
            .map(t => t.textContent);
    }""")
    assert crossed == []
    expect(page.locator("#coverage tbody tr")).to_have_count(6)
    assert page.locator("#lez-violations tbody tr").first.get_attribute("data-code") == LEZ_MACHINE
    shot(page, "machinery-coverage")
