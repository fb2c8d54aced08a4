"""Issue 10's "tables export what they show": under every data table a button writes the rows on the screen as
CSV, in the browser, without asking any service again (railshift's ranking and review queue, demo year)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.console.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("db")]


def _table(page) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return page.locator("table.data").first.evaluate(
        "t => Array.from(t.rows).map(r => Array.from(r.cells).map(c => c.textContent.replace(/\\s+/g, ' ').trim()))")


def _export(page) -> tuple[str, list[list[str]]]:  # type: ignore[no-untyped-def]
    with page.expect_download() as download:
        page.get_by_role("button", name="导出本表 (CSV)").first.click()
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens the Chinese as Chinese
    return download.value.suggested_filename, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_ranking_and_the_review_queue_export_exactly_the_rows_on_screen(app, page_for):
    make_user(app, "transport", "export.transport")
    page = page_for("export.transport")
    page.goto("/transport/ranking?month=2025-06&area=141000")
    shown = _table(page)
    name, rows = _export(page)
    assert name.endswith(".csv") and len(rows) == len(shown) > 2
    assert rows == shown  # same header, same rows, same order, same figures
    page.goto("/transport/reviews")
    shown = _table(page)
    name, rows = _export(page)
    assert len(rows) == len(shown) >= 2 and rows == shown  # the queue as it stands, oldest first
