"""Streaming CSV and XLSX in and out: templates, imports with Chinese or English headers, exports, error reports.

Bureau clerks work in Excel and the files are large (a city's vehicle register runs to a million rows), so
reading yields one row at a time and writing never builds a workbook in memory (openpyxl write-only mode).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, Literal
from urllib.parse import quote

from shared.errors import ValidationFailed
from shared.timeutil import zone

Format = Literal["csv", "xlsx"]
EXPORT_MIMETYPES: dict[str, str] = {
    "csv": "text/csv",  # Flask adds "; charset=utf-8" to every text/* type
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_XLSX_MAGIC = b"PK\x03\x04"
_SAMPLE_BYTES = 64 * 1024
_CHUNK_BYTES = 64 * 1024
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column of a template: its row key, headers in both languages and what it accepts."""

    key: str
    zh: str
    en: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    note: str = ""
    example: str = ""


@dataclass(frozen=True)
class TableSpec:
    """The columns a file of one kind (vehicle register, declaration, ...) carries."""

    name: str
    columns: tuple[Column, ...]

    def headers(self, language: str = "zh") -> list[str]:
        """Header row in the given language ('zh' or 'en')."""
        return [column.zh if language == "zh" else column.en for column in self.columns]


class TableFormatError(ValidationFailed):
    """The file as a whole cannot be read: unknown format, bad encoding, or headers that do not fit the template."""

    code = "table-format"
    title = "File does not fit the template"


@dataclass
class SourceRow:
    """A data row as the user sees it: `number` is the spreadsheet row (the header row is 1)."""

    number: int
    values: dict[str, str | None]


@dataclass(frozen=True)
class RowError:
    """Why one row (or one field of it) was rejected."""

    row: int
    field: str
    reason: str
    value: str | None = None


@dataclass
class Sheet:
    """A sheet to write: rows are any iterable, consumed once; number_formats maps 0-based column to a format."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]
    number_formats: dict[int, str] = field(default_factory=dict)
    column_widths: dict[int, float] = field(default_factory=dict)


# ---- reading ---------------------------------------------------------------------------------------------


def _header_key(text: object) -> str:
    """Compare headers ignoring width, case, spaces, a required-marker '*' and notes in brackets."""
    value = unicodedata.normalize("NFKC", str(text or "")).lower()
    value = re.sub(r"\(.*?\)|\[.*?\]", "", value)
    return re.sub(r"[\s*_\-]", "", value)


def match_headers(spec: TableSpec, header_row: Sequence[object]) -> dict[int, str]:
    """Column position -> row key; raises TableFormatError naming missing required or repeated columns."""
    lookup: dict[str, str] = {}
    for column in spec.columns:
        for name in (column.key, column.zh, column.en, *column.aliases):
            lookup[_header_key(name)] = column.key
    positions: dict[int, str] = {}
    seen: dict[str, int] = {}
    errors = []
    for index, header in enumerate(header_row):
        key = lookup.get(_header_key(header))
        if key is None:
            continue  # extra columns (remarks, a clerk's own notes) are ignored, not an error
        if key in seen:
            errors.append({"field": key, "reason": f"column appears twice (columns {seen[key] + 1} and {index + 1})"})
            continue
        seen[key] = index
        positions[index] = key
    for column in spec.columns:
        if column.required and column.key not in seen:
            errors.append(
                {"field": column.key, "reason": f"required column missing: '{column.zh}' or '{column.en}'"}
            )
    if errors:
        raise TableFormatError(f"the header row does not fit the {spec.name} template", errors=errors)
    return positions


def _cell_text(value: object) -> str | None:
    """A cell as stripped text; None when empty. Whole floats lose their '.0' (Excel stores numbers as floats)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    text = text.strip()
    return text or None


def detect_format(sample: bytes, filename: str | None = None) -> Format:
    """'xlsx' or 'csv', from the file name's suffix or else the first bytes."""
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix == ".xls":
        raise TableFormatError("the old .xls format is not supported: save the file as .xlsx or CSV")
    return "xlsx" if sample.startswith(_XLSX_MAGIC) else "csv"


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig, utf-8 or gb18030 (what Excel on a Chinese Windows saves CSV as)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(sample) - 3 and len(sample) >= _SAMPLE_BYTES:
            return "utf-8"  # the sample merely cut a multi-byte character in two
    try:
        sample.decode("gb18030")
    except UnicodeDecodeError as error:
        raise TableFormatError("the CSV file is neither UTF-8 nor GB18030 text") from error
    return "gb18030"


def _open_binary(source: str | Path | BinaryIO) -> tuple[BinaryIO, bool]:
    if isinstance(source, str | Path):
        return open(source, "rb"), True
    return source, False


def read_table(
    source: str | Path | BinaryIO, spec: TableSpec, *, filename: str | None = None
) -> Iterator[SourceRow]:
    """Yield the data rows of a CSV or XLSX file one at a time, keyed by the spec's column keys.

    The header row must come first (blank rows before it are skipped). Blank data rows are skipped but still
    counted, so `number` is the row a user finds in Excel. Raises TableFormatError before the first row when
    the file cannot be read or its headers do not fit.
    """
    stream, owned = _open_binary(source)
    if filename is None and isinstance(source, str | Path):
        filename = str(source)
    try:
        if not stream.seekable():
            spooled = tempfile.TemporaryFile()  # noqa: SIM115 - the reader closes it
            while chunk := stream.read(_CHUNK_BYTES):
                spooled.write(chunk)
            spooled.seek(0)
            stream, owned = spooled, True
        start = stream.tell()
        sample = stream.read(_SAMPLE_BYTES)
        stream.seek(start)
        if not sample:
            raise TableFormatError("the file is empty")
        if detect_format(sample, filename) == "xlsx":
            yield from _read_xlsx(stream, spec)
        else:
            yield from _read_csv(stream, spec, detect_encoding(sample))
    finally:
        if owned:
            stream.close()


def _rows_to_records(rows: Iterator[Sequence[object]], spec: TableSpec) -> Iterator[SourceRow]:
    number = 0
    positions: dict[int, str] | None = None
    for number, row in enumerate(rows, start=1):
        cells = [_cell_text(value) for value in row]
        if not any(cells):
            continue
        if positions is None:
            positions = match_headers(spec, cells)
            continue
        values: dict[str, str | None] = {key: None for key in positions.values()}
        for index, key in positions.items():
            if index < len(cells):
                values[key] = cells[index]
        yield SourceRow(number=number, values=values)
    if positions is None:
        raise TableFormatError(f"no header row found: the file has {number} rows and all are blank")


def _check_decodes(stream: BinaryIO, encoding: str) -> None:
    """Refuse, before any row is read, a CSV whose bytes are not all text in its encoding: a file cut short in
    the middle of a character would otherwise fail after the rows before it were already taken."""
    start = stream.tell()
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    try:
        while chunk := stream.read(_CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                where = line + chunk.count(b"\n", 0, error.start)
                raise TableFormatError(
                    f"the CSV file is not valid {encoding} text at line {where} (a file cut short, or saved in"
                    " another encoding); no row was taken"
                ) from error
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise TableFormatError(
                f"the CSV file ends in the middle of a character (line {line}): it was cut short; no row was taken"
            ) from error
    finally:
        stream.seek(start)


def _read_csv(stream: BinaryIO, spec: TableSpec, encoding: str) -> Iterator[SourceRow]:
    _check_decodes(stream, encoding)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")  # type: ignore[type-var]
    try:
        yield from _rows_to_records(csv.reader(text), spec)
    except UnicodeDecodeError as error:
        raise TableFormatError(f"the CSV file is not valid {encoding} text past its first part") from error
    except csv.Error as error:
        raise TableFormatError(f"the CSV file is malformed: {error}") from error
    finally:
        text.detach()


def _read_xlsx(stream: BinaryIO, spec: TableSpec) -> Iterator[SourceRow]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as error:
        raise TableFormatError(f"the file is not a readable XLSX workbook: {error}") from error
    try:
        sheet = workbook.worksheets[0]
        yield from _rows_to_records(sheet.iter_rows(values_only=True), spec)
    finally:
        workbook.close()


# ---- writing ---------------------------------------------------------------------------------------------


def _safe_text(value: object) -> object:
    """Neutralise spreadsheet formulas in text cells (CSV injection); numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(zone()).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(_safe_text(value))


def attachment(filename: str) -> str:
    """A Content-Disposition value for a download: an ASCII fallback name with anything but letters, digits,
    dot, dash and underscore replaced (no quote, newline or separator can break the header), and the exact
    name in RFC 5987 form for browsers that read it."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """A CSV file as byte chunks (UTF-8 with BOM, so Excel shows Chinese), for a streamed response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
        if buffer.tell() >= _CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def _xlsx_value(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(zone()).replace(tzinfo=None)  # Excel has no time zones: show local time
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return _safe_text(value)


def write_xlsx(target: str | Path | BinaryIO, sheets: Iterable[Sheet]) -> None:
    """Write sheets to an XLSX workbook in write-only mode: bold, frozen header row; rows streamed to disk."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = workbook.create_sheet(title=spec.title[:31])
        sheet.freeze_panes = "A2"
        for index, header in enumerate(spec.headers):
            width = spec.column_widths.get(index, max(10.0, min(40.0, len(str(header)) * 2.2)))
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        header_cells = []
        for header in spec.headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in spec.rows:
            values = [_xlsx_value(value) for value in row]
            if spec.number_formats:
                cells: list[object] = []
                for index, value in enumerate(values):
                    number_format = spec.number_formats.get(index)
                    if number_format is None:
                        cells.append(value)
                    else:
                        cell = WriteOnlyCell(sheet, value=value)
                        cell.number_format = number_format
                        cells.append(cell)
                sheet.append(cells)
            else:
                sheet.append(values)
    workbook.save(target)


def xlsx_chunks(sheets: Iterable[Sheet]) -> Iterator[bytes]:
    """An XLSX workbook as byte chunks for a streamed response; built in a temporary file, never in memory."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(path, sheets)
        with open(path, "rb") as built:
            while chunk := built.read(_CHUNK_BYTES):
                yield chunk
    finally:
        os.unlink(path)


def table_chunks(fmt: Format, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """One table as CSV or single-sheet XLSX chunks: the common shape of an export endpoint."""
    if fmt == "csv":
        return csv_chunks(headers, rows)
    if fmt == "xlsx":
        return xlsx_chunks([Sheet(title=title, headers=headers, rows=rows)])
    raise ValidationFailed(
        f"unknown format {fmt!r}", errors=[{"field": "format", "reason": "must be one of: csv, xlsx", "in": "query"}]
    )


def template_bytes(spec: TableSpec, fmt: Format) -> bytes:
    """A blank template: the Chinese header row; XLSX adds a 说明 (notes) sheet describing every column."""
    if fmt == "csv":
        return b"".join(csv_chunks(spec.headers("zh"), []))
    notes = Sheet(
        title="说明 Notes",
        headers=["列名", "Column", "必填 Required", "说明 Format / allowed values", "示例 Example"],
        rows=[(c.zh, c.en, "是" if c.required else "否", c.note, c.example) for c in spec.columns],
        column_widths={3: 60.0, 4: 24.0},
    )
    buffer = io.BytesIO()
    write_xlsx(buffer, [Sheet(title=spec.name, headers=spec.headers("zh"), rows=[]), notes])
    return buffer.getvalue()


ERROR_REPORT_HEADERS = ["行号 Row", "字段 Field", "原因 Reason", "值 Value"]


def error_report_chunks(errors: Iterable[RowError], fmt: Format) -> Iterator[bytes]:
    """The row-level error report of an import, as CSV or XLSX chunks."""
    rows = ((error.row, error.field, error.reason, error.value) for error in errors)
    return table_chunks(fmt, "错误 Errors", ERROR_REPORT_HEADERS, rows)
