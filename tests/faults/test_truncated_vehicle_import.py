"""A vehicle register upload cut off halfway (mid-row, inside a multi-byte character): the job says so.

A register of a few hundred rows is enough to cross several import batches; the file is cut in the middle
of a Chinese character of a row near the end, as a dropped connection or a full disk leaves it. The
rows before the cut are whole and valid and may be imported; the cut row must never be (not with a
half-read field), and the job must report it, by row, or fail naming the file.
"""

from __future__ import annotations

import io
import time

import openpyxl
import pytest

from tests.vehicles.factories import plate
from tests.vehicles.test_vehicles_imports import ZH, csv_bytes, row

ROWS = 2500  # crosses the import batches (1,000 rows)


@pytest.fixture(scope="module")
def service() -> str:
    return "vehicles"


def _start(clerk, data: bytes) -> dict:
    response = clerk.post("/api/v1/vehicle-imports", data={"file": (io.BytesIO(data), "register.csv")},
                          content_type="multipart/form-data")  # fmt: skip
    assert response.status_code in (202, 400, 413, 422), (response.status_code, response.get_json())
    if response.status_code != 202:
        return {"refused": response}
    return _start_polled(clerk, response.get_json()["id"])


def _start_polled(clerk, job_id: str) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = clerk.get(f"/api/v1/vehicle-imports/{job_id}").get_json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"import {job_id} did not finish: {job}")


def _registered(clerk) -> set[str]:
    plates: set[str] = set()
    query = {"plate_prefix": "晋L", "limit": 500}
    while True:
        body = clerk.get("/api/v1/vehicles", query_string=query).get_json()
        plates.update(v["plate"] for v in body["items"])
        if not body.get("next_cursor"):
            return plates
        query["cursor"] = body["next_cursor"]


def _whole_register() -> tuple[bytes, int]:
    """The register as CSV, and where its last row starts."""
    whole = csv_bytes([row(n, 燃料种类="柴油") for n in range(1, ROWS + 1)])
    return whole, whole.rindex(b"\n", 0, len(whole) - 1) + 1


def test_a_register_cut_inside_a_character_mid_row_writes_nothing_and_says_why(as_role, db):
    clerk = as_role("transport")
    whole, last_row = _whole_register()
    diesel = whole.index("柴油".encode(), last_row)
    cut = whole[: diesel + 4]  # 柴 whole, then the first byte of 油 (3 bytes in UTF-8): mid-character, mid-row
    job = _start(clerk, cut)
    if "refused" in job:  # refusing the file up front is fine too
        assert job["refused"].mimetype == "application/problem+json"
    else:
        assert job["state"] == "failed", job
        assert "utf-8" in job["detail"].lower(), job["detail"]
    assert _registered(clerk) == set(), "a file refused as undecodable left rows behind"


def test_a_register_cut_mid_row_imports_the_whole_rows_and_reports_the_cut_one(as_role, db):
    clerk = as_role("transport")
    whole, last_row = _whole_register()
    date = whole.index(b"2012-05-01", last_row)
    cut = whole[: date + 4]  # the registration date cut to "2012", the columns after it missing
    job = _start(clerk, cut)
    assert "refused" not in job, job
    assert job["state"] == "done", job
    assert (job["rows_read"], job["rows_inserted"], job["rows_invalid"]) == (ROWS, ROWS - 1, 1), job
    assert _registered(clerk) == {plate(n) for n in range(1, ROWS)}, "the row cut in half was imported"
    errors = clerk.get(f"/api/v1/vehicle-imports/{job['id']}/errors", query_string={"format": "csv"})
    report = errors.data.decode("utf-8-sig")
    errors.close()
    assert f"\n{ROWS + 1}," in report, report[-500:]  # the cut row, named by its line in the file


def test_a_register_workbook_cut_in_half_writes_nothing_and_says_why(as_role, db):
    clerk = as_role("transport")
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(ZH)
    for n in range(1, ROWS + 1):
        sheet.append(row(n))
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    half = io.BytesIO(data[: len(data) // 2])
    response = clerk.post("/api/v1/vehicle-imports", data={"file": (half, "register.xlsx")},
                          content_type="multipart/form-data")  # fmt: skip
    if response.status_code == 202:
        job = _start_polled(clerk, response.get_json()["id"])
        assert job["state"] == "failed" and "xlsx" in job["detail"].lower(), job
    else:
        assert 400 <= response.status_code < 500 and response.mimetype == "application/problem+json", response.data
    assert _registered(clerk) == set()
