"""A declaration workbook cut in half (a zip missing its end): 4xx naming the file, no draft written."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from tests.railshift.factories import register

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["统一社会信用代码", "月份", "方向", "货物类别", "运输方式", "运量(吨)"]
MONTHS = [f"{year}-{month:02d}" for year in range(2021, 2025) for month in range(1, 13)]


@pytest.fixture(scope="module")
def service() -> str:
    return "railshift"


def _workbook(code: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADERS)
    for n, month in enumerate(MONTHS):  # one line a month: a valid file, so only the cut can be wrong with it
        sheet.append([code, month, "进厂", "煤炭", "铁路", 100 + n])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _drafts(as_role, code: str) -> list:
    return as_role("enterprise", uscc=code).get("/api/v1/declarations", query_string={"uscc": code}).get_json()["items"]


@pytest.mark.parametrize("keep", [0.5, 0.98, 0.05], ids=["half", "end-cut", "head-only"])
def test_a_truncated_workbook_is_refused_and_writes_no_draft(as_role, db, keep):
    code = register(as_role)
    data = _workbook(code)
    cut = data[: int(len(data) * keep)]
    response = as_role("enterprise", uscc=code).post("/api/v1/declarations/upload", data=cut, content_type=XLSX,
                                                     query_string={"filename": "declarations.xlsx"})  # fmt: skip
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:500])
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert "XLSX" in problem["detail"], problem  # says it is the file, not a row, that cannot be read
    assert _drafts(as_role, code) == []
    # The whole file goes in afterwards: nothing of the refused one was in the way.
    whole = as_role("enterprise", uscc=code).post("/api/v1/declarations/upload", data=data, content_type=XLSX,
                                                  query_string={"filename": "declarations.xlsx"})  # fmt: skip
    assert whole.status_code == 201, whole.get_json()
    assert len(_drafts(as_role, code)) == len(MONTHS)


def test_a_workbook_over_the_size_limit_is_413_and_writes_nothing(as_role, db, app):
    code = register(as_role)
    too_big = b"PK\x03\x04" + b"\0" * app.config["MAX_CONTENT_LENGTH"]
    response = as_role("enterprise", uscc=code).post("/api/v1/declarations/upload", data=too_big, content_type=XLSX,
                                                     query_string={"filename": "declarations.xlsx"})  # fmt: skip
    assert response.status_code == 413, (response.status_code, response.get_data()[:300])
    assert response.mimetype == "application/problem+json"
    assert _drafts(as_role, code) == []
