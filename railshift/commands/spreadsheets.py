"""Declarations as spreadsheets: the XLSX/CSV template, a validated upload with row-level errors, the export."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from sqlalchemy import select

from railshift.commands.common import check_may_see_drafts, check_scope, city_today, own_scope, reject_future_month
from railshift.commands.declarations import write_draft
from railshift.models import Declaration, DeclarationLine, Enterprise
from railshift.rules import is_future_month
from railshift.schemas import MAX_TONNES
from railshift.terms import LABELS_ZH, Direction, Goods, Mode
from shared.auth import Principal
from shared.db import session, unit_of_work
from shared.errors import ValidationFailed
from shared.identifiers import InvalidIdentifier, validate_uscc
from shared.tabular import Column, RowError, TableSpec, read_table, table_chunks
from shared.timeutil import parse_month

MAX_ROWS = 20_000


def _choices(enum: type) -> str:
    return ", ".join(f"{m.value} ({LABELS_ZH[m.value]})" for m in enum)


DECLARATION_SPEC = TableSpec(
    name="月度运输结构申报",
    columns=(
        Column("uscc", "统一社会信用代码", "Credit code", True, note="18 characters", example="91141002MA0000001A"),
        Column("month", "月份", "Month", True, ("申报月份",), note="YYYY-MM, not in the future", example="2025-03"),
        Column("direction", "方向", "Direction", True, ("进出",), note=_choices(Direction), example="进厂"),
        Column("goods", "货物类别", "Goods", True, ("货物",), note=_choices(Goods), example="煤炭"),
        Column("mode", "运输方式", "Mode", True, ("方式",), note=_choices(Mode), example="铁路"),
        Column("tonnes", "运量(吨)", "Tonnes", True, ("吨数", "运量"), note="≥ 0, up to 3 decimals", example="12000.5"),
    ),
)
EXPORT_HEADERS = [
    "统一社会信用代码", "企业名称", "区县代码", "月份", "版本", "状态", "方向", "货物类别", "运输方式", "运量(吨)",
]


def _term(enum: type, text: str) -> str:
    """A vocabulary value from its code or its Chinese label (full-width and case folded)."""
    folded = unicodedata.normalize("NFKC", text).strip()
    for member in enum:
        if folded.lower() == member.value or folded == LABELS_ZH[member.value]:
            return member.value
    raise ValueError(f"must be one of {_choices(enum)}")


def parse_rows(stream: IO[bytes], filename: str | None, principal: Principal) -> tuple[dict, list[RowError]]:
    """Every row checked; returns lines grouped by (uscc, month) and the row errors (all of them, not the first)."""
    groups: dict[tuple[str, str], dict[tuple[str, str, str], tuple[int, dict[str, Any]]]] = defaultdict(dict)
    errors: list[RowError] = []
    for count, row in enumerate(read_table(stream, DECLARATION_SPEC, filename=filename), start=1):
        if count > MAX_ROWS:
            errors.append(RowError(row.number, "_file", f"at most {MAX_ROWS} rows in one upload"))
            break
        values, parsed, bad = row.values, {}, False
        for key in ("uscc", "month", "direction", "goods", "mode", "tonnes"):
            raw = values.get(key)
            try:
                if raw is None:
                    raise ValueError("required")
                parsed[key] = _parse(key, raw, principal)
            except (ValueError, InvalidIdentifier, InvalidOperation) as exc:
                reason = exc.reason if isinstance(exc, InvalidIdentifier) else str(exc) or "not a number"
                errors.append(RowError(row.number, key, reason, raw))
                bad = True
        if bad:
            continue
        lines = groups[(parsed["uscc"], parsed["month"])]
        key = (parsed["direction"], parsed["goods"], parsed["mode"])
        if key in lines:
            errors.append(RowError(row.number, "mode", f"repeats row {lines[key][0]} (same month, direction, goods "
                                   "and mode); give one total", values.get("mode")))
            continue
        lines[key] = (row.number, {k: parsed[k] for k in ("direction", "goods", "mode", "tonnes")})
    return groups, errors


def _parse(key: str, raw: str, principal: Principal) -> Any:
    if key == "uscc":
        code = validate_uscc(raw)
        if own_scope(principal) not in (None, code):
            raise ValueError(f"this token declares for {principal.uscc} only")
        return code
    if key == "month":
        parse_month(raw)
        if is_future_month(raw, city_today()):
            raise ValueError("the month is in the future")
        return raw
    if key == "tonnes":
        tonnes = Decimal(unicodedata.normalize("NFKC", raw).replace(",", ""))
        if not tonnes.is_finite() or tonnes < 0:
            raise ValueError("tonnes must be a number ≥ 0")
        if tonnes >= MAX_TONNES or -tonnes.as_tuple().exponent > 3:
            raise ValueError("at most 12 digits before the point and 3 after it")
        return tonnes
    return _term({"direction": Direction, "goods": Goods, "mode": Mode}[key], raw)


def check_upload(stream: IO[bytes], filename: str | None, principal: Principal) -> list[RowError]:
    """Only the row errors of a file (for the downloadable error report); nothing is written."""
    return parse_rows(stream, filename, principal)[1]


def import_upload(stream: IO[bytes], filename: str | None, principal: Principal) -> dict[str, Any]:
    """Write each (enterprise, month) of the file as its draft, all or nothing; 422 listing every bad row."""
    groups, errors = parse_rows(stream, filename, principal)
    if errors:
        raise ValidationFailed(
            f"{len(errors)} problem(s) in the file; nothing was saved",
            errors=[{"row": e.row, "field": e.field, "reason": e.reason, "value": e.value} for e in errors[:1000]],
        )
    if not groups:
        raise ValidationFailed("the file has no data rows", errors=[{"field": "_file", "reason": "no data rows"}])
    written = []
    with unit_of_work() as db_session:
        for (uscc, month), lines in sorted(groups.items()):
            check_scope(principal, uscc)
            reject_future_month(month)
            declaration, created = write_draft(
                db_session, uscc, month, {"lines": [line for _, line in lines.values()]}, principal
            )
            written.append({"id": declaration.id, "uscc": uscc, "month": month, "version": declaration.version,
                            "created": created, "lines": len(lines)})
    return {"declarations": written, "rows": sum(w["lines"] for w in written)}


def export_rows(args: dict[str, Any], principal: Principal) -> Iterator[tuple[object, ...]]:
    """Declaration lines (official versions unless a status is asked for), streamed in pages."""
    query = (
        select(Enterprise.uscc, Enterprise.name, Enterprise.district_code, Declaration.month, Declaration.version,
               Declaration.status, DeclarationLine.direction, DeclarationLine.goods, DeclarationLine.mode,
               DeclarationLine.tonnes)
        .join(Declaration, Declaration.enterprise_id == Enterprise.id)
        .join(DeclarationLine, DeclarationLine.declaration_id == Declaration.id)
        .order_by(Enterprise.uscc, Declaration.month, Declaration.version, DeclarationLine.id)
    )
    if args.get("status"):
        if args["status"] == "draft":
            check_may_see_drafts(principal)
        query = query.where(Declaration.status == args["status"])
    else:
        query = query.where(Declaration.official.is_(True))
    for name in ("month", "uscc"):
        if args.get(name):
            query = query.where(getattr(Declaration, name) == args[name])
    for name in ("city_code", "district_code"):
        if args.get(name):
            query = query.where(getattr(Enterprise, name) == args[name])
    if own_scope(principal):
        query = query.where(Declaration.uscc == principal.uscc)
    result = session().execute(query.execution_options(yield_per=2000))
    for row in result:
        *head, direction, goods, mode, tonnes = row
        yield (*head, LABELS_ZH[direction], LABELS_ZH[goods], LABELS_ZH[mode], Decimal(tonnes))


def export_chunks(args: dict[str, Any], principal: Principal) -> Iterator[bytes]:
    """The export as CSV or XLSX chunks."""
    return table_chunks(args["format"], "申报明细", EXPORT_HEADERS, export_rows(args, principal))
