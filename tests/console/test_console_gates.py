"""Gate pages against a real gatecontrol with its demo (two Linfen plants, December 2025 passages, an orange
alert): the bureau's site dashboard and alert form, an enterprise's own ledger, search, export and URL walls."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from console.config import ConsoleSettings
from tests.conftest import RunningService
from tests.console.conftest import csrf_token, log_in, logged_in, service_api, shot, with_service
from tests.console.factories import DEMO_STEEL_USCC, PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("db")
STEEL_SITE, COKING_SITE = "S-DEMO-000", "S-DEMO-001"  # the demo's two plants (steel is DEMO_STEEL_USCC's)


@pytest.fixture(scope="module")
def config(config: ConsoleSettings, gatecontrol_demo: RunningService) -> ConsoleSettings:
    return with_service(config, gatecontrol_demo)


def _cells(html: str, site: str) -> dict[str, str]:
    row = re.search(rf'<tr data-site="{site}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    return dict(re.findall(r'data-key="(\w+)">([^<]*)</td>', row))


def test_the_site_dashboard_shows_each_sites_month_as_gatecontrol_counts_it(app, gatecontrol_demo):
    client = logged_in(app, "environment", "wang.min")
    html = client.get("/environment/gates/?month=2025-12&area=141000").get_data(as_text=True)
    monthly = service_api(gatecontrol_demo, "/completeness/monthly", month="2025-12", area="141000")
    violations = service_api(gatecontrol_demo, "/violations", month="2025-12")
    for item in monthly["items"]:
        cells = _cells(html, item["site_id"])
        for key in ("gates", "gates_silent", "passages", "incomplete_plates", "unknown_vehicles", "backfilled"):
            assert cells[key] == str(item[key]), (item["site_id"], key)
        expected = sum(r["count"] for r in violations["by_site_day"] if r["site_id"] == item["site_id"])
        assert cells["violations"] == str(expected)
    assert sum(int(_cells(html, s)["passages"]) for s in (STEEL_SITE, COKING_SITE)) == monthly["totals"]["passages"]
    assert "临汾示范钢铁有限公司" in html and 'id="stack-data"' in html
    assert "DEMO-ORANGE-2025-12" in re.search(r'<section id="alerts">(.*?)</section>', html, re.S).group(1)
    # the violations' stage and rule read in Chinese (国四, the rule by its name), not as gatecontrol's codes
    rows = re.findall(r"<tr><td>\d{4}-\d{2}-\d{2} \d{2}:\d{2}</td>(.*?)</tr>", html, re.S)
    assert rows and all(re.search(r"<td>国[三四五]</td>", row) for row in rows)
    assert "预警期间国四及以下柴油货车运输大宗物料" in html and ">china_4<" not in html
    assert not re.search(r">alert\.bulk_diesel[\w.]*<", html)
    # the area box names the area shown and offers the city's districts by name
    assert re.search(r'<span id="area-name"[^>]*>临汾市</span>', html)
    assert '<option value="141002">尧都区</option>' in html and '<option value="141081">侯马市</option>' in html
    # an area without sites lists none, and says so
    empty = client.get("/environment/gates/?month=2025-12&area=140100").get_data(as_text=True)
    assert "该区域没有登记的站点。" in empty and re.search(r'<span id="area-name"[^>]*>太原市</span>', empty)
    typo = client.get("/environment/gates/?month=2025-12&area=14100")  # five digits: gatecontrol's 422, shown
    assert typo.status_code == 200 and 'class="problem"' in typo.get_data(as_text=True)


def test_a_sites_day_lists_each_gate_with_its_silent_gaps_and_the_violations_export(app, gatecontrol_demo):
    client = logged_in(app, "environment", "wang.min")
    dashboard = client.get("/environment/gates/?month=2025-12&area=141000").get_data(as_text=True)
    assert f'href="/environment/gates/sites/{STEEL_SITE}"' in dashboard
    html = client.get(f"/environment/gates/sites/{STEEL_SITE}?day=2025-12-15").get_data(as_text=True)
    report = service_api(gatecontrol_demo, f"/sites/{STEEL_SITE}/completeness", day="2025-12-15")
    gates = re.findall(r'<tr data-gate="([^"]+)"( class="silent")?>', html)
    assert [g for g, _ in gates] == [gate["gate_id"] for gate in report["gates"]]
    for gate in report["gates"]:  # a gate flagged silent exactly when gatecontrol found a gap
        assert (f'<tr data-gate="{gate["gate_id"]}" class="silent">' in html) == bool(gate["silent_gaps"])
    assert f'<div class="figure">{report["passages"]}</div>' in html and "东门进" in html
    assert f'href="/environment/gates/sites/{STEEL_SITE}?day=2025-12-14" rel="prev"' in html  # the day before
    export = client.get("/environment/gates/violations.xlsx?month=2025-12")
    assert export.status_code == 200 and export.get_data()[:2] == b"PK"
    assert client.get("/environment/gates/sites/S-NO-SUCH").status_code == 404


def test_declaring_an_alert_reaches_gatecontrol_and_a_bad_one_is_refused_naming_the_field(app, gatecontrol_demo):
    client = logged_in(app, "environment", "wang.min")
    form = client.get("/environment/gates/alerts/new").get_data(as_text=True)
    data = {"csrf_token": csrf_token(form), "alert_key": "LF-2026-017", "level": "red", "area": "141000",
            "starts_at": "2026-12-02T08:00", "ends_at": "2026-12-04T20:00", "authority": "临汾市重污染天气应急指挥部"}
    done = client.post("/environment/gates/alerts/new", data=data)
    assert done.status_code == 302 and "month=2026-12" in done.headers["Location"]
    stored = [a for a in service_api(gatecontrol_demo, "/alerts", **{"from": "2026-12-01T00:00:00+08:00",
                                                              "to": "2027-01-01T00:00:00+08:00"})
              if a["alert_key"] == "LF-2026-017"]
    assert len(stored) == 1 and stored[0]["level"] == "red"
    assert stored[0]["starts_at"].startswith("2026-12-02T00:00")  # 08:00 in Linfen is midnight UTC
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已发布预警 LF-2026-017" in page and "2026-12-02 08:00" in page
    backwards = client.post("/environment/gates/alerts/new", data={**data, "alert_key": "LF-2026-018",
                                                                   "ends_at": "2026-12-01T08:00"})
    assert backwards.status_code == 422 and "ends_at" in backwards.get_data(as_text=True)
    empty = client.post("/environment/gates/alerts/new", data={**data, "starts_at": ""})
    assert empty.status_code == 422 and "starts_at" in empty.get_data(as_text=True)


def test_the_gate_pages_are_the_bureaus_and_the_ledger_the_enterprises(app):
    police = logged_in(app, "police", "zhang.wei")
    assert police.get("/environment/gates/").status_code == 403
    assert police.get("/environment/gates/alerts/new").status_code == 403
    assert police.get("/enterprise/ledger/").status_code == 403
    steel = logged_in(app, "enterprise", "shifan", uscc=DEMO_STEEL_USCC)
    assert steel.get("/environment/gates/").status_code == 403


def test_an_enterprise_searches_its_ledger_by_plate_and_days_in_keyset_pages(app, gatecontrol_demo):
    steel = logged_in(app, "enterprise", "shifan", uscc=DEMO_STEEL_USCC)
    html = steel.get("/enterprise/ledger/").get_data(as_text=True)
    sites = re.findall(r'<option value="(S-[\w-]+)"', html)
    assert set(sites) == {STEEL_SITE}  # only its own site is offered
    first = re.findall(r'<tr data-event="([^"]+)">', html)
    assert len(first) == 20
    following = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    second = re.findall(r'<tr data-event="([^"]+)">', steel.get(following).get_data(as_text=True))
    assert second and not set(first) & set(second)
    too_long = steel.get("/enterprise/ledger/?plate=" + "晋" * 40)
    assert too_long.status_code == 200 and 'class="problem"' in too_long.get_data(as_text=True)  # gatecontrol's 422
    one_plate = steel.get("/enterprise/ledger/?plate=晋a10001&from=2025-12-01&to=2025-12-31").get_data(as_text=True)
    rows = re.findall(r'<tr data-event="[^"]+">(.*?)</tr>', one_plate, re.S)
    expected = service_api(gatecontrol_demo, "/ledger", site_id=STEEL_SITE, plate="晋A10001", limit=100,
                   **{"from": "2025-11-30T16:00:00+00:00", "to": "2025-12-31T16:00:00+00:00"})["items"]
    assert len(rows) == min(20, len(expected)) >= 1
    assert all("晋A10001" in row and "2025-12-" in row for row in rows)


def test_another_enterprises_ledger_is_refused_when_the_url_is_edited(app):
    steel = logged_in(app, "enterprise", "shifan", uscc=DEMO_STEEL_USCC)
    edited = steel.get(f"/enterprise/ledger/?site_id={COKING_SITE}")
    assert edited.status_code == 403 and "尧都建邦焦化" not in edited.get_data(as_text=True)
    export = steel.get(f"/enterprise/ledger/export?site_id={COKING_SITE}&month=2025-12&format=csv")
    assert export.status_code == 403


def test_the_ledger_export_streams_gatecontrols_csv_and_xlsx(app, gatecontrol_demo):
    steel = logged_in(app, "enterprise", "shifan", uscc=DEMO_STEEL_USCC)
    csv = steel.get(f"/enterprise/ledger/export?site_id={STEEL_SITE}&month=2025-12&format=csv")
    body = csv.get_data()
    assert csv.status_code == 200 and body.startswith(b"\xef\xbb\xbf") and "通过时间" in body.decode("utf-8-sig")
    assert f"ledger_{STEEL_SITE}_2025-12.csv" in csv.headers["Content-Disposition"]
    assert body.decode("utf-8-sig").count("\n") - 1 == 240  # the demo's December passages of the site
    xlsx = steel.get(f"/enterprise/ledger/export?site_id={STEEL_SITE}&month=2025-12&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"


def test_the_dashboard_names_gatecontrol_when_it_is_down(app, config):
    from console import create_app

    make_user(app, "environment", "wang.min")
    down = create_app(config.with_changes(service_urls={**config.service_urls, "gatecontrol": "http://127.0.0.1:9"}))
    try:
        client = down.test_client()
        log_in(client, "wang.min", PASSWORD)
        page = client.get("/environment/gates/?month=2025-12")
        assert page.status_code == 200 and 'data-service="gatecontrol"' in page.get_data(as_text=True)
    finally:
        down.extensions["lantian.db"].dispose()


def test_a_hanging_gatecontrol_costs_the_page_one_timeout_not_one_per_call(app, config):
    """gatecontrol accepts connections and never answers: the dashboard asks it once, then names it as down."""
    import socket
    import threading

    from console import create_app

    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    hanging = f"http://127.0.0.1:{listener.getsockname()[1]}"
    make_user(app, "environment", "wang.min")
    slow = create_app(config.with_changes(service_urls={**config.service_urls, "gatecontrol": hanging},
                                          http_timeout=0.5, http_retries=0))
    try:
        client = slow.test_client()
        log_in(client, "wang.min", PASSWORD)
        page = client.get("/environment/gates/?month=2025-12")
        assert page.status_code == 200 and 'data-service="gatecontrol"' in page.get_data(as_text=True)
        assert len(accepted) == 1  # the sites call timed out; completeness, violations and alerts were not tried
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()
        slow.extensions["lantian.db"].dispose()


@pytest.mark.e2e
def test_the_bureau_reads_the_sites_and_declares_an_alert_in_a_browser(app, page_for):
    make_user(app, "environment", "wang.min", display_name="生态环境局 王敏")
    page = page_for("wang.min")
    page.get_by_role("link", name="门禁站点").click()
    page.get_by_label("月份").fill("2025-12")
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector("#chart svg")
    expect(page.locator("#sites tbody tr")).to_have_count(2)
    shot(page, "environment-gate-sites")
    page.locator("#sites").get_by_role("link", name="临汾示范钢铁有限公司").click()
    page.get_by_label("日期").fill("2025-12-08")
    page.get_by_label("日期").press("Enter")
    expect(page.locator("#gates tbody tr")).to_have_count(2)
    shot(page, "environment-gate-site-day")
    page.goto("/environment/gates/?month=2025-12")
    page.get_by_role("link", name="发布重污染天气预警").click()
    page.get_by_label("预警编号（发布机关的文号）").fill("LF-2026-021")
    page.get_by_label("预警级别").select_option("orange")
    page.get_by_label("开始时间").fill("2026-12-10T06:00")
    page.get_by_label("结束时间").fill("2026-12-12T06:00")
    shot(page, "environment-alert-form")
    page.get_by_role("button", name="发布预警").click()
    assert "已发布预警 LF-2026-021" in page.locator(".flash.ok").inner_text()
    expect(page.locator('#alerts [data-key="LF-2026-021"]')).to_have_count(1)


@pytest.mark.e2e
def test_an_enterprise_reads_its_ledger_and_cannot_read_anothers_in_a_browser(app, page_for):
    make_user(app, "enterprise", "shifan", uscc=DEMO_STEEL_USCC, display_name="临汾示范钢铁 赵丽")
    page = page_for("shifan")
    page.get_by_role("link", name="门禁台账").click()
    page.get_by_label("号牌", exact=True).fill("晋A10002")
    page.get_by_label("起始日期").fill("2025-12-01")
    page.get_by_label("截止日期（含）").fill("2025-12-31")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#ledger tbody tr").first).to_be_attached()
    assert "晋A10002" in page.locator("#ledger tbody tr").first.inner_text()
    shot(page, "enterprise-ledger")
    with page.expect_download() as download:
        page.get_by_label("导出月份").fill("2025-12")
        page.get_by_role("button", name="导出台账").click()
    assert download.value.suggested_filename == f"ledger_{STEEL_SITE}_2025-12.csv"
    response = page.goto(f"/enterprise/ledger/?site_id={COKING_SITE}")
    assert response.status == 403
    shot(page, "enterprise-ledger-forbidden")
