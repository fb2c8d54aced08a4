"""What a report is made of: sections holding sources, targets, tables and charts, as plain JSON-able data.

A section is built once from the upstream services, stored as JSON, and every format (JSON, XLSX, PDF) is
rendered from that stored JSON, so a stored report renders the same way every time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class ColumnFormat(StrEnum):
    """How a column's values are written: the XLSX number format and the PDF text follow from it."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"  # one decimal place (tonnes, days)
    PERCENT = "percent"  # a fraction 0..1, shown as 12.3%
    DATE = "date"


class SectionStatus(StrEnum):
    OK = "ok"
    UNAVAILABLE = "unavailable"  # 不可用: never shown as zeros


class UnavailableCause(StrEnum):
    SERVICE_DOWN = "service_down"  # the upstream did not answer or answered 5xx
    UPSTREAM_ERROR = "upstream_error"  # the upstream refused the request or sent data reports cannot read
    NOT_PROVIDED = "not_provided"  # the upstream has no API for this yet


class ChartKind(StrEnum):
    PROGRESS = "progress"  # horizontal bars filled to a share, with the target marked
    SHARE_VS_TARGET = "share_vs_target"  # share per category as bars, the target as a line
    SITE_BARS = "site_bars"  # one bar group per site


@dataclass
class Column:
    """A table column: the row key it reads, Chinese and English headers, and its format.

    `total`: 'sum' adds the parts; 'ratio' recomputes numerator / denominator from the summed parts (never an
    average of shares); None leaves the totals cell empty.
    """

    key: str
    zh: str
    en: str
    format: str = ColumnFormat.TEXT
    total: str | None = None
    ratio_of: tuple[str, str] | None = None
    printed: bool = True  # False: in the JSON and XLSX but left out of the A4 page (e.g. credit codes)


@dataclass
class Table:
    """Rows of one kind; `totals` is computed from the rows by reports.rules.totals_row, never sent upstream."""

    key: str
    title_zh: str
    title_en: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None = None


@dataclass
class Chart:
    """A chart a reader would rather look at than read: drawn from one table's rows."""

    kind: str
    title_zh: str
    table: str  # Table.key
    label: str  # column giving each bar's label
    value: str  # column giving each bar's value (a share for progress / share charts, a count for site bars)
    target: str | None = None  # column holding each row's target share, if any
    second_value: str | None = None  # a second series (e.g. violations beside alert-day passages)
    # When there are more rows than bars fit: draw those smallest in this column (e.g. the margin to target, so
    # the furthest below show); None draws the largest values.
    rank_by: str | None = None


@dataclass
class Source:
    """Which upstream endpoint a section read, when, and the as-of the upstream stated (its own clock or the day
    the figures are counted on, e.g. a progress 'as of' the month's last day)."""

    service: str
    path: str
    as_of: str | None
    read_at: str | None = None


@dataclass
class Target:
    """A policy target a section judged against, citing the plan (document number and item)."""

    code: str
    document: str
    item: str
    value: str | None
    unit: str | None = None
    comparison: str | None = None
    description: str | None = None


@dataclass
class Section:
    """One section of the report; an unavailable one carries why and which service, and no figures."""

    key: str
    number: int
    title_zh: str
    title_en: str
    status: str = SectionStatus.OK
    service: str | None = None
    cause: str | None = None
    reason: str | None = None
    sources: list[Source] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The section as stored JSON."""
        data = asdict(self)
        for table in data["tables"]:
            for column in table["columns"]:
                if column["ratio_of"] is not None:
                    column["ratio_of"] = list(column["ratio_of"])
        return data
