"""Templates, imports and exports as a clerk's spreadsheet sees them: headers in either language, encodings, rows."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from shared.tabular import (
    Column,
    RowError,
    Sheet,
    TableFormatError,
    TableSpec,
    csv_chunks,
    error_report_chunks,
    read_table,
    template_bytes,
    xlsx_chunks,
)

SPEC = TableSpec(
    "vehicles",
    (
        Column("plate", "号牌号码", "Plate", required=True, note="7 or 8 characters", example="晋A12345"),
        Column("plate_colour", "号牌颜色", "Plate colour", aliases=("颜色",)),
        Column("registration_date", "注册日期", "Registration date"),
    ),
)


def _rows(data: bytes, filename: str | None = None) -> list[tuple[int, dict]]:
    return [(row.number, row.values) for row in read_table(io.BytesIO(data), SPEC, filename=filename)]


def _xlsx(*rows: tuple) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_the_encodings_excel_saves(encoding):
    data = "号牌号码,号牌颜色\n晋A12345,黄\n".encode(encoding)
    assert _rows(data) == [(2, {"plate": "晋A12345", "plate_colour": "黄"})]


def test_a_csv_cut_inside_a_character_is_refused_before_any_row_naming_the_line():
    whole = ("号牌号码,号牌颜色\n" + "".join(f"晋A{n:05d},黄\n" for n in range(1, 30001))).encode()
    cut = whole[: whole.rindex("黄".encode()) + 1]  # the last row's 黄 cut after its first byte
    rows = read_table(io.BytesIO(cut), SPEC)
    with pytest.raises(TableFormatError, match=r"ends in the middle of a character \(line 30001\)"):
        next(rows)  # not after 30,000 rows were handed out
    garbled = whole.replace("晋A20000".encode(), b"\xff\xfeA20000")  # past the sample the encoding is told by
    with pytest.raises(TableFormatError, match=r"not valid utf-8 text at line 20001 "):
        next(read_table(io.BytesIO(garbled), SPEC))


def test_english_headers_aliases_required_marks_and_full_width_are_all_recognised():
    data = "ＰＬＡＴＥ*,颜色,Registration Date (YYYY-MM-DD),备注\n晋A12345,yellow,2019-05-01,ignored\n".encode()
    assert _rows(data) == [
        (2, {"plate": "晋A12345", "plate_colour": "yellow", "registration_date": "2019-05-01"}),
    ]


def test_row_numbers_match_the_spreadsheet_even_across_blank_rows():
    data = "\n号牌号码\n晋A00001\n,\n\n晋A00002\n".encode()
    assert [number for number, _ in _rows(data)] == [3, 6]


def test_missing_required_header_is_refused_before_any_row_naming_the_column():
    with pytest.raises(TableFormatError) as raised:
        _rows("号牌颜色\n黄\n".encode())
    assert raised.value.status == 422
    assert raised.value.errors == [{"field": "plate", "reason": "required column missing: '号牌号码' or 'Plate'"}]


def test_a_column_given_twice_is_refused():
    with pytest.raises(TableFormatError) as raised:
        _rows("号牌号码,Plate\n晋A1,晋A2\n".encode())
    assert "twice" in raised.value.errors[0]["reason"]


def test_empty_file_and_legacy_xls_are_refused_with_a_reason():
    with pytest.raises(TableFormatError, match="empty"):
        _rows(b"")
    with pytest.raises(TableFormatError, match=r"\.xls"):
        _rows(b"anything", filename="register.xls")


def test_xlsx_cells_come_back_as_text_dates_and_whole_numbers_without_decimals():
    data = _xlsx(("Plate", "Registration date"), ("晋A12345", datetime(2019, 5, 1)), (12345.0, None))
    assert _rows(data) == [
        (2, {"plate": "晋A12345", "registration_date": "2019-05-01"}),
        (3, {"plate": "12345", "registration_date": None}),
    ]


def test_a_corrupt_xlsx_is_a_format_error_not_a_crash():
    with pytest.raises(TableFormatError, match="XLSX"):
        _rows(b"PK\x03\x04 not really a zip", filename="x.xlsx")


def test_non_seekable_upload_streams_are_read():
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    rows = list(read_table(Pipe("Plate\n晋A1\n".encode()), SPEC))
    assert [row.values["plate"] for row in rows] == ["晋A1"]


def test_csv_export_has_a_bom_local_times_plain_decimals_and_no_live_formulas():
    chunks = csv_chunks(
        ["时间", "数量", "备注"],
        [(datetime(2026, 10, 31, 16, 30, tzinfo=UTC), Decimal("12.50"), "=HYPERLINK(1)"), (None, Decimal("3"), "-")],
    )
    text = b"".join(chunks)
    assert text.startswith(b"\xef\xbb\xbf")
    lines = text.decode("utf-8-sig").splitlines()
    assert lines[1] == "2026-11-01T00:30:00+08:00,12.50,'=HYPERLINK(1)"
    assert lines[2] == ",3,'-"


def test_xlsx_export_freezes_a_bold_header_and_applies_number_formats():
    sheet = Sheet("台账", ["日期", "吨"], [(date(2026, 10, 1), Decimal("1.5"))], number_formats={1: "0.0"})
    workbook = load_workbook(io.BytesIO(b"".join(xlsx_chunks([sheet]))))
    ws = workbook["台账"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].value == "日期" and ws["A1"].font.bold
    assert ws["B2"].value == 1.5 and ws["B2"].number_format == "0.0"


def test_a_template_round_trips_into_the_reader_and_documents_each_column():
    xlsx = template_bytes(SPEC, "xlsx")
    workbook = load_workbook(io.BytesIO(xlsx))
    assert workbook.sheetnames == ["vehicles", "说明 Notes"]
    notes = list(workbook["说明 Notes"].iter_rows(values_only=True))
    assert notes[1][:5] == ("号牌号码", "Plate", "是", "7 or 8 characters", "晋A12345")
    assert _rows(xlsx) == []
    assert _rows(template_bytes(SPEC, "csv")) == []


def test_error_report_lists_row_field_reason_and_value():
    errors = [RowError(7, "vin", "check digit is X, not 1", "LFV3A23C1J3000001")]
    lines = b"".join(error_report_chunks(errors, "csv")).decode("utf-8-sig").splitlines()
    assert lines[1] == '7,vin,"check digit is X, not 1",LFV3A23C1J3000001'
    workbook = load_workbook(io.BytesIO(b"".join(error_report_chunks(errors, "xlsx"))))
    assert list(workbook.active.iter_rows(values_only=True))[1] == (
        7,
        "vin",
        "check digit is X, not 1",
        "LFV3A23C1J3000001",
    )
