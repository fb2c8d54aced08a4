"""The monthly report endpoint: validation, storage and versions, formats, and a down service named clearly."""

from __future__ import annotations

import io

import openpyxl
import pypdf
import pytest

import reports
from tests.conftest import RoleClient, closed_port_url, make_token

MONTH = "2026-10"
SECTION_TITLES = [
    "一、柴油货车淘汰",
    "二、公共领域新能源车辆占比",
    "三、非道路移动机械",
    "四、黑名单与重点监管",
    "五、重点用车单位门禁数据",
    "六、运输结构调整（公转铁）",
]


@pytest.fixture(scope="module")
def upstreams(seeded_upstreams):
    return seeded_upstreams


def _report(client: RoleClient, month: str = MONTH, **query) -> dict:
    response = client.get(f"/api/v1/reports/monthly/{month}", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize(
    ("month", "query", "field"),
    [
        ("2026-13", {}, "month"),
        ("2026-1", {}, "month"),
        ("2999-01", {}, "month"),
        (MONTH, {"area": "14100"}, "area"),
        (MONTH, {"area": "149999"}, "area"),
        (MONTH, {"area": "140105"}, "area"),  # a district of Taiyuan, not of the city the reports cover
        (MONTH, {"area": "141000"}, "area"),  # the city itself is area=city
        (MONTH, {"format": "docx"}, "format"),
        (MONTH, {"version": "0"}, "version"),
    ],
)
def test_bad_month_area_or_format_is_a_422_naming_the_field(as_role, upstreams, month, query, field):
    response = as_role("environment").get(f"/api/v1/reports/monthly/{month}", query_string=query)
    assert response.status_code == 422
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in [error["field"] for error in problem["errors"]]


def test_only_bureaus_and_services_may_read_reports(as_role, upstreams):
    response = as_role("enterprise", uscc="91140100MA0K0K0K0K").get(f"/api/v1/reports/monthly/{MONTH}")
    assert response.status_code == 403


def test_every_section_is_there_in_order_and_the_report_is_complete(as_role, upstreams):
    report = _report(as_role("environment"))
    assert [s["title_zh"] for s in report["sections"]] == SECTION_TITLES
    assert [s["status"] for s in report["sections"]] == ["ok"] * len(SECTION_TITLES)
    assert report["status"] == "complete"
    for section in report["sections"]:
        assert section["sources"], section["key"]  # every section says what it read
    by_key = {s["key"]: s for s in report["sections"]}
    # An empty month is shown as such (tables without rows), sourced and judged, never as a missing section.
    machinery = by_key["machinery"]
    assert {t["key"] for t in machinery["tables"]} >= {"coverage", "types", "failures", "lez_violations"}
    assert any(t["code"].startswith("nrmm.") for t in machinery["targets"])
    assert any(t["code"].startswith("list_reason.") for t in by_key["blacklists"]["targets"])


def test_asking_again_returns_the_stored_version_and_regenerate_keeps_the_old(as_role, upstreams):
    reader = as_role("transport")
    first = _report(reader, area="141002")
    again = _report(reader, area="141002")
    assert again["version"] == first["version"] == 1
    assert again["generated_at"] == first["generated_at"]
    second = _report(reader, area="141002", regenerate="true")
    assert second["version"] == 2
    assert second["generated_at"] >= first["generated_at"]
    assert _report(reader, area="141002")["version"] == 2
    assert _report(reader, area="141002", version=1)["generated_at"] == first["generated_at"]
    versions = reader.get(f"/api/v1/reports/monthly/{MONTH}/versions", query_string={"area": "141002"}).get_json()
    assert [v["version"] for v in versions["versions"]] == [2, 1]
    # Another area is another report.
    assert _report(reader, area="city")["version"] == 1


def test_an_unknown_stored_version_is_a_404(as_role, upstreams):
    response = as_role("environment").get(f"/api/v1/reports/monthly/{MONTH}", query_string={"version": 7})
    assert response.status_code == 404


def test_xlsx_has_a_cover_and_a_sheet_per_section_with_chinese_headers(as_role, upstreams):
    response = as_role("environment").get(f"/api/v1/reports/monthly/{MONTH}", query_string={"format": "xlsx"})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    names = workbook.sheetnames
    assert names[0] == "封面 Cover"
    expected = ["3 非道路移动机械", "3.4 本月抽检超标机械", "4 黑名单与重点监管", "4.3 月末在册",
                "5.2 各站点门禁数据完整性", "6.2 各企业考核指标与目标", "6.4 门禁台账对账差异"]  # fmt: skip
    for name in expected:
        assert name in names, names
    machinery = workbook["3 非道路移动机械"]
    assert [c.value for c in machinery[1]][:5] == ["区县", "区县代码", "登记在用", "本年已抽检", "覆盖率"]
    assert machinery.freeze_panes == "A2"
    assert [c.value for c in workbook["4 黑名单与重点监管"][1]][:4] == ["原因", "原因代码", "新增", "解除"]
    cover = {row[0]: row[1] for row in workbook["封面 Cover"].iter_rows(values_only=True)}
    assert cover["月份 Month"] == MONTH


def test_pdf_is_a4_with_a_page_per_section_and_chinese_titles(as_role, upstreams):
    response = as_role("environment").get(f"/api/v1/reports/monthly/{MONTH}", query_string={"format": "pdf"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(pdf.pages) >= 1 + len(SECTION_TITLES)
    assert [round(float(v)) for v in pdf.pages[0].mediabox[2:]] == [595, 842]  # A4 in points
    pages = [page.extract_text() for page in pdf.pages]
    text = "\n".join(pages)
    assert "蓝天保卫战交通运输领域月度报告" in pages[0]
    assert all(title in pages[0] for title in SECTION_TITLES)  # the cover lists them with their status
    # Each section starts a page of its own, in order, after the cover.
    starts = [next(i for i, page in enumerate(pages) if i and title in page) for title in SECTION_TITLES]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    for heading in ("抽检覆盖率（按区县）", "本月新增与解除（按原因）", "各站点门禁数据完整性", "各企业考核指标与目标"):
        assert heading in text
    embedded = {
        str(font["/BaseFont"])
        for page in pdf.pages
        for font in (f.get_object() for f in page["/Resources"]["/Font"].values())
        if "/FontDescriptor" in font and "/FontFile2" in font["/FontDescriptor"].get_object()
    }
    # The CJK font travels in the file (a subset, hence the 'ABCDEF+' prefix), not left to the reader's machine.
    assert any(name.split("+")[-1].startswith("WenQuanYiMicroHei") for name in embedded)


@pytest.fixture
def down_client(config, db, upstreams):
    """The reports app with railshift pointed at a closed port: as if that service were down."""
    urls = {**config.service_urls, "railshift": closed_port_url()}
    app = reports.create_app(config.with_changes(service_urls=urls))
    yield RoleClient(app.test_client(), make_token("environment"))
    app.extensions["lantian.db"].dispose()
    app.extensions["lantian.auth_db"].dispose()


def test_a_down_service_fails_the_report_naming_it(down_client):
    response = down_client.get(f"/api/v1/reports/monthly/{MONTH}")
    assert response.status_code == 503
    problem = response.get_json()
    assert problem["code"] == "upstream-unavailable"
    assert problem["service"] == "railshift"
    assert "railshift" in problem["detail"] and "allow_partial" in problem["detail"]
    assert response.headers["Retry-After"]
    # Nothing was stored: the next request tries again.
    assert down_client.get(f"/api/v1/reports/monthly/{MONTH}/versions").get_json()["versions"] == []


def test_allow_partial_marks_the_down_section_and_is_kept_while_the_service_stays_down(down_client, as_role):
    report = _report(down_client, allow_partial="true")
    assert report["status"] == "partial"
    transport = next(s for s in report["sections"] if s["key"] == "transport")
    assert transport["status"] == "unavailable"
    assert transport["cause"] == "service_down"
    assert "railshift" in transport["reason"]
    assert transport["tables"] == []
    # Asked again while railshift is still down: the stored partial report, not a new version per request
    # (a console polling the report would otherwise pile up versions).
    again = _report(down_client, allow_partial="true")
    assert (again["version"], again["generated_at"]) == (report["version"], report["generated_at"])
    # Without allow_partial the caller still gets the clear error, not the stored partial report.
    assert down_client.get(f"/api/v1/reports/monthly/{MONTH}").status_code == 503
    # regenerate is an explicit ask for a new version, even a partial one.
    regenerated = _report(down_client, allow_partial="true", regenerate="true")
    assert (regenerated["version"], regenerated["status"]) == (report["version"] + 1, "partial")
    # railshift is back: a plain request builds and stores the complete report, and that one is kept.
    complete = _report(as_role("environment"))
    assert (complete["version"], complete["status"]) == (report["version"] + 2, "complete")
    assert _report(as_role("environment"), allow_partial="true")["version"] == complete["version"]
    assert _report(down_client, version=report["version"])["status"] == "partial"
    versions = down_client.get(f"/api/v1/reports/monthly/{MONTH}/versions").get_json()["versions"]
    assert [v["status"] for v in versions] == ["complete", "partial", "partial"]


def test_a_partial_report_marks_the_missing_section_in_xlsx_and_pdf(down_client):
    report = _report(down_client, allow_partial="true")
    query = {"version": report["version"]}
    xlsx = down_client.get(f"/api/v1/reports/monthly/{MONTH}", query_string={**query, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data))["6 运输结构调整（公转铁）"]
    assert [c.value for c in sheet[1]] == ["状态 Status", "服务 Service", "原因 Reason"]
    assert sheet["A2"].value == "不可用 unavailable" and "railshift" in sheet["C2"].value
    pdf = down_client.get(f"/api/v1/reports/monthly/{MONTH}", query_string={**query, "format": "pdf"})
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "本节不可用" in text and "railshift" in text


@pytest.fixture
def cli_env(config, db, upstreams, monkeypatch, tmp_path):
    """The environment `lantian report ...` reads, pointed at the test database and the running upstreams."""
    monkeypatch.setenv("LANTIAN_SECRET_KEY", config.secret_key)
    monkeypatch.setenv("LANTIAN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("LANTIAN_REPORTS_DATABASE_URL", config.database_url)
    monkeypatch.setenv("LANTIAN_AUTH_DATABASE_URL", config.auth_database_url)
    monkeypatch.setenv("LANTIAN_HTTP_RETRIES", "0")
    for name, running in upstreams.items():
        monkeypatch.setenv(f"LANTIAN_{name.upper()}_URL", running.url)
    return tmp_path


def test_the_cli_writes_the_pdf_showing_progress_per_section(cli_env):
    from click.testing import CliRunner

    from shared.cli import main

    target = cli_env / "report.pdf"
    result = CliRunner().invoke(main, ["report", "monthly", MONTH, "--area", "141002", "--format", "pdf",
                                       "-o", str(target)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "[6/6] Transport structure (road to rail) (railshift): ok" in result.stderr
    assert f"report {MONTH} 141002 v1 (complete) -> {target}" in result.stderr
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(target).pages)
    assert "六、运输结构调整（公转铁）" in text
    again = CliRunner().invoke(main, ["reports", "monthly", MONTH, "--area", "141002", "--format", "xlsx",
                                      "-o", str(cli_env / "r.xlsx")])  # fmt: skip
    assert again.exit_code == 0 and "v1 (complete)" in again.stderr  # the stored report, not a new one
    assert openpyxl.load_workbook(cli_env / "r.xlsx").sheetnames[0] == "封面 Cover"


def test_the_cli_names_a_down_service_and_allow_partial_marks_it(cli_env, monkeypatch):
    from click.testing import CliRunner

    from shared.cli import main

    monkeypatch.setenv("LANTIAN_RAILSHIFT_URL", closed_port_url())
    failed = CliRunner().invoke(main, ["report", "monthly", MONTH, "--format", "json"])
    assert failed.exit_code == 1
    assert "railshift" in failed.stderr and "allow_partial" in failed.stderr
    partial = CliRunner().invoke(main, ["report", "monthly", MONTH, "--allow-partial"])
    assert partial.exit_code == 0, partial.stderr
    assert "section 6 unavailable (railshift)" in partial.stderr
    assert '"status": "partial"' in partial.stdout


def test_the_callers_request_id_reaches_every_upstream(as_role, upstreams):
    response = as_role("environment").get(
        f"/api/v1/reports/monthly/{MONTH}",
        query_string={"regenerate": "true"},
        headers={"X-Request-ID": "rpt-2026-10-a"},
    )
    assert response.status_code == 200
    for running in upstreams.values():  # the sections are read side by side, each still carrying the id
        assert "rpt-2026-10-a" in running.request_ids()
