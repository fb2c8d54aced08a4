"""Renderers of a stored report: XLSX and PDF, both drawn from the stored JSON only, so they are reproducible."""

from __future__ import annotations

from datetime import date
from typing import Any

from reports.content import ColumnFormat

STATUS_ZH = {"complete": "完整", "partial": "部分（有章节不可用）"}
CAUSE_ZH = {
    "service_down": "服务无响应",
    "upstream_error": "上游服务拒绝或数据无法读取",
    "not_provided": "上游服务尚未提供此数据",
}
UNAVAILABLE_ZH = "本节不可用"


def cell_value(value: Any, fmt: str) -> Any:
    """A stored JSON value as the renderer shows it: dates back to dates; everything else unchanged."""
    if value is None:
        return None
    if fmt == ColumnFormat.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


def text_value(value: Any, fmt: str) -> str:
    """A value as printed text: thousands separators, one decimal, percentages; '—' for no value."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if fmt == ColumnFormat.INTEGER and isinstance(value, int | float):
        return f"{int(value):,}"
    if fmt == ColumnFormat.DECIMAL and isinstance(value, int | float):
        return f"{value:,.1f}"
    if fmt == ColumnFormat.PERCENT and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    return str(value)


def unavailable_text(section: dict[str, Any]) -> str:
    """The line every format shows for an unavailable section: never an empty table or zeros."""
    cause = CAUSE_ZH.get(section.get("cause") or "", section.get("cause") or "")
    return f"{UNAVAILABLE_ZH}（{cause}）：{section.get('service')} — {section.get('reason')}"
