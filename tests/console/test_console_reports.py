"""The monthly report page against a real reports service (railshift real, vehicles and gatecontrol down)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from console.config import ConsoleSettings
from tests.conftest import RunningService, migrated, running_services
from tests.console.conftest import log_in, shot
from tests.console.factories import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(scope="module")
def reports_service(databases, auth_database_url, railshift_demo, tmp_path_factory) -> Iterator[RunningService]:
    """reports reading the demo railshift; vehicles and gatecontrol are closed ports."""
    urls = {"reports": migrated(databases, "reports")}
    with running_services(tmp_path_factory.mktemp("console-reports"), urls, auth_database_url,
                          elsewhere={"railshift": railshift_demo.url}, closed=("vehicles", "gatecontrol")) as running:
        yield running["reports"]


@pytest.fixture(scope="module")
def config(config: ConsoleSettings, reports_service: RunningService) -> ConsoleSettings:
    return config.with_changes(service_urls={**config.service_urls, "reports": reports_service.url},
                               http_timeout=30.0)


def test_the_report_shows_what_it_could_read_and_names_each_missing_service(app, client):
    make_user(app, "environment", "wang.min")
    log_in(client, "wang.min", PASSWORD)
    page = client.get("/reports/monthly?month=2025-06&area=city")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "部分（有章节不可用）" in html  # vehicles and gatecontrol are down: a partial report, never zeros
    unavailable = re.findall(r'<p class="banner unavailable" data-service="(\w+)">本节不可用（(\w+)暂不可用）', html)
    assert ("vehicles", "车辆服务") in unavailable and ("gatecontrol", "门禁服务") in unavailable
    assert "railshift" not in {service for service, _ in unavailable}
    assert "http://" not in html and "did not answer" not in html  # the reason (an internal address) is logged
    assert "曲沃晋南电力有限公司" in html  # railshift's section has the enterprises
    assert "第3条" in html and not re.search(r"\bitem \d", html)  # its plan citations read as articles
    links = re.findall(r'href="(/reports/monthly/download\?[^"]+)"', html)
    assert len(links) == 3
    pdf = client.get(links[2].replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.get_data()[:5] == b"%PDF-"
    xlsx = client.get(links[1].replace("&amp;", "&"))
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"


def test_an_enterprise_user_cannot_open_reports(app, client):
    make_user(app, "enterprise", "qiye.x", uscc="91141002MADEM0000E")
    log_in(client, "qiye.x", PASSWORD)
    assert client.get("/reports/monthly?month=2025-06").status_code == 403
    assert client.get("/reports/monthly/download?month=2025-06&format=pdf").status_code == 403


@pytest.mark.e2e
def test_the_report_reads_in_a_browser(app, page_for):
    make_user(app, "transport", "li.qiang", display_name="交通运输局 李强")
    page = page_for("li.qiang")
    page.get_by_role("link", name="月度报告").click()
    page.get_by_label("月份").fill("2025-06")
    page.get_by_role("button", name="查看").click()
    assert "临汾市 · 2025-06" in page.locator("#report-meta").inner_text()
    expect(page.locator("#section-6 table").first).to_be_attached()
    assert "本节不可用（门禁服务暂不可用）" in page.locator("#section-5").inner_text()
    shot(page, "reports-monthly")
