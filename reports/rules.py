"""Pure rules of the report: which month and area may be asked for, totals from parts, shares, report status."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

import yaml

from reports.content import Column, ColumnFormat, SectionStatus, Table, UnavailableCause
from shared.errors import ValidationFailed
from shared.identifiers import InvalidIdentifier
from shared.identifiers.divisions import division_name, validate_division_code
from shared.timeutil import parse_month, zone

CITY = "city"
SHARE_PLACES = Decimal("0.0001")  # shares kept to 0.01 percentage point


def validate_month(value: str, now: datetime, tz: str) -> str:
    """'YYYY-MM' of a month that has begun in the city's zone; 422 naming `month` otherwise."""
    try:
        year, month = parse_month(value)
    except ValueError as exc:
        raise ValidationFailed(str(exc), errors=[{"field": "month", "reason": str(exc), "in": "path"}]) from exc
    today = now.astimezone(zone(tz)).date()
    if (year, month) > (today.year, today.month):
        reason = f"{value} has not begun yet (today is {today.isoformat()} in {tz})"
        raise ValidationFailed(reason, errors=[{"field": "month", "reason": reason, "in": "path"}])
    return f"{year:04d}-{month:02d}"


def validate_area(value: str | None, city_code: str) -> str:
    """'city' or the six-digit code of a district of the city (GB/T 2260); 422 naming `area` otherwise."""
    text = (value or CITY).strip()
    if text.lower() == CITY:
        return CITY
    try:
        code = validate_division_code(text)
    except InvalidIdentifier as exc:
        reason = f"area must be 'city' or a district division code: {exc}"
        raise ValidationFailed(reason, errors=[{"field": "area", "reason": reason, "in": "query"}]) from exc
    if division_name(code) is None or code[:4] != city_code[:4] or code == city_code:
        reason = f"{code} is not a district of {division_name(city_code) or city_code} ({city_code}) lantian knows"
        raise ValidationFailed(reason, errors=[{"field": "area", "reason": reason, "in": "query"}])
    return code


def area_name(area: str, city_code: str) -> str:
    """Chinese name of the area for titles: the city's name (全市) or the district's."""
    code = city_code if area == CITY else area
    return division_name(code) or code


@functools.cache
def jurisdictions() -> dict[str, str]:
    """City division code -> the jurisdiction name its plans' policy rules use (reports/jurisdictions.yaml)."""
    text = resources.files("reports").joinpath("jurisdictions.yaml").read_text(encoding="utf-8")
    return {str(code): str(name) for code, name in yaml.safe_load(text)["cities"].items()}


def share(numerator: Any, denominator: Any) -> float | None:
    """numerator / denominator rounded to 4 places (0.0001 = 0.01 %); None when there is nothing to divide by."""
    if numerator is None or denominator in (None, 0):
        return None
    value = (Decimal(str(numerator)) / Decimal(str(denominator))).quantize(SHARE_PLACES, ROUND_HALF_UP)
    return float(value)


def _add(values: Iterable[Any]) -> Any:
    present = [v for v in values if v is not None]
    if not present:
        return None
    total = sum(Decimal(str(v)) for v in present)
    return (
        int(total) if total == total.to_integral_value() and all(isinstance(v, int) for v in present) else float(total)
    )


def totals_row(columns: Sequence[Column], rows: Sequence[Mapping[str, Any]], label: str = "合计") -> dict[str, Any]:
    """The totals row of a table computed from its rows: sums of parts, ratios of summed parts.

    The first text column carries `label`; columns without a total rule stay empty.
    """
    totals: dict[str, Any] = {}
    for column in columns:
        if column.total == "sum":
            totals[column.key] = _add(row.get(column.key) for row in rows)
        elif column.total != "ratio":
            totals[column.key] = None
    for column in columns:
        if column.total == "ratio" and column.ratio_of:
            numerator, denominator = column.ratio_of
            totals[column.key] = share(totals.get(numerator), totals.get(denominator))
    first_text = next((c for c in columns if c.format == ColumnFormat.TEXT), None)
    if first_text is not None:
        totals[first_text.key] = label
    return totals


def with_totals(table: Table) -> Table:
    """The table with its totals row computed (tables whose columns have no total rule get none)."""
    if any(column.total for column in table.columns):
        table.totals = totals_row(table.columns, table.rows)
    return table


def report_status(sections: Iterable[Mapping[str, Any]]) -> str:
    """'complete' when every section an upstream could provide is there; 'partial' when one failed."""
    for section in sections:
        if section["status"] == SectionStatus.UNAVAILABLE and section.get("cause") != UnavailableCause.NOT_PROVIDED:
            return "partial"
    return "complete"
