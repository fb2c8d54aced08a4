"""Declarations as files: template, upload (all or nothing, every bad row named), error report, export."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from tests.railshift.factories import approved, rail_split, register

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["统一社会信用代码", "月份", "方向", "货物类别", "运输方式", "运量(吨)"]


def _xlsx(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(as_role, code, body, path="/api/v1/declarations/upload", **query):
    return as_role("enterprise", uscc=code).post(path, data=body, content_type=XLSX,
                                                 query_string={"filename": "march.xlsx", **query})


def test_the_template_has_the_chinese_headers_and_a_notes_sheet(as_role):
    response = as_role("enterprise", uscc=register(as_role)).get("/api/v1/declarations/template")
    assert response.status_code == 200 and response.mimetype == XLSX
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    first, notes = book.worksheets
    assert [c.value for c in next(first.iter_rows(max_row=1))] == HEADERS
    assert any("铁路" in str(row[3]) for row in notes.iter_rows(min_row=2, values_only=True))


def test_an_uploaded_sheet_becomes_drafts_per_month_and_a_second_upload_replaces_them(as_role):
    code = register(as_role)
    rows = [[code, "2025-02", "进厂", "煤炭", "铁路", 800], [code, "2025-02", "inbound", "coal", "other_road", "200"],
            [code, "2025-03", "出厂", "焦炭", "管状带式输送机", "12.5"]]
    response = _upload(as_role, code, _xlsx(rows))
    assert response.status_code == 201, response.get_json()
    assert [(d["month"], d["lines"], d["created"]) for d in response.get_json()["declarations"]] == [
        ("2025-02", 2, True), ("2025-03", 1, True)]
    again = _upload(as_role, code, _xlsx(rows[:1]))
    assert again.get_json()["declarations"][0]["created"] is False
    me = as_role("enterprise", uscc=code)
    drafts = me.get("/api/v1/declarations", query_string={"uscc": code}).get_json()["items"]
    assert len(drafts) == 2
    february = me.get(f"/api/v1/declarations/{drafts[0]['id']}").get_json()
    assert february["lines"] == [{"direction": "inbound", "goods": "coal", "mode": "rail", "tonnes": "800"}]


def test_a_bad_file_names_every_bad_row_and_field_and_saves_nothing(as_role):
    code, other = register(as_role), register(as_role)
    rows = [[code, "2025-02", "进厂", "煤炭", "铁路", 800],
            [code, "2025-02", "进厂", "煤炭", "飞艇", -3],
            [other, "2099-01", "进厂", "沙子", "铁路", "abc"],
            [code, "2025-02", "inbound", "coal", "rail", 1]]
    response = _upload(as_role, code, _xlsx(rows))
    assert response.status_code == 422
    found = {(e["row"], e["field"]) for e in response.get_json()["errors"]}
    assert found == {(3, "mode"), (3, "tonnes"), (4, "uscc"), (4, "month"), (4, "goods"), (4, "tonnes"),
                     (5, "mode")}
    assert as_role("transport").get("/api/v1/declarations").get_json()["items"] == []
    report = _upload(as_role, code, _xlsx(rows), path="/api/v1/declarations/upload/errors", format="csv")
    assert report.status_code == 200
    lines = list(csv.reader(io.StringIO(report.data.decode("utf-8-sig"))))
    assert lines[0] == ["行号 Row", "字段 Field", "原因 Reason", "值 Value"]
    assert ["3", "mode", lines[1][2], "飞艇"] == lines[1]


def test_a_file_without_the_required_headers_is_refused(as_role):
    code = register(as_role)
    response = _upload(as_role, code, _xlsx([[code, "2025-02"]], headers=["统一社会信用代码", "月份"]))
    assert response.status_code == 422
    missing = {e["field"] for e in response.get_json()["errors"]}
    assert missing == {"direction", "goods", "mode", "tonnes"}


def test_the_export_lists_official_lines_and_an_enterprise_gets_only_its_own(as_role):
    mine, other = register(as_role), register(as_role)
    approved(as_role, mine, "2025-02", rail_split(800, 200))
    approved(as_role, other, "2025-02", rail_split(1, 1))
    response = as_role("transport").get("/api/v1/declarations/export",
                                        query_string={"format": "csv", "month": "2025-02"})
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "统一社会信用代码" and len(rows) == 5
    own = as_role("enterprise", uscc=mine).get("/api/v1/declarations/export", query_string={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(own.data), read_only=True).worksheets[0]
    data = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert {row[0] for row in data} == {mine}
    assert sorted((row[8], float(row[9])) for row in data) == [("其他公路运输", 200.0), ("铁路", 800.0)]
