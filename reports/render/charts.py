"""Charts for the PDF (reportlab.graphics): progress bars, share-vs-target bars with a target line, per-site bars."""

from __future__ import annotations

import math
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors

from reports.content import ChartKind

MAX_BARS = 20  # more bars than this are unreadable on A4: the chart shows the largest, the table has them all
BAR = colors.HexColor("#3b7dd8")
SECOND = colors.HexColor("#e8a33d")
TARGET = colors.HexColor("#c62828")


def _label(text: Any, limit: int = 14) -> str:
    text = "—" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows(chart: dict[str, Any], table: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [row for row in table["rows"] if row.get(chart["value"]) is not None]
    if len(rows) > MAX_BARS:
        rank_by = chart.get("rank_by")  # reports stored before it existed have no such key
        if rank_by:
            rows = sorted(rows, key=lambda r: (r.get(rank_by) is None, r.get(rank_by) or 0))[:MAX_BARS]
        else:
            rows = sorted(rows, key=lambda r: r[chart["value"]], reverse=True)[:MAX_BARS]
    return rows


def _title(drawing: Drawing, text: str, width: float, height: float, font: str, shown: int, total: int) -> None:
    if total > shown:
        text = f"{text}（前 {shown} / 共 {total}）"
    drawing.add(String(width / 2, height - 12, text, fontName=font, fontSize=10, textAnchor="middle"))


def progress_chart(chart: dict[str, Any], table: dict[str, Any], width: float, font: str) -> Drawing | None:
    """Horizontal bars filled to each row's share (0-100 %), a red tick at its target."""
    rows = _rows(chart, table)
    if not rows:
        return None
    height = 40 + 22 * len(rows)
    drawing = Drawing(width, height)
    bars = HorizontalBarChart()
    bars.x, bars.y, bars.width, bars.height = 150, 20, width - 190, height - 45
    # HorizontalBarChart draws the first category at the bottom: reverse so the table order reads downwards.
    ordered = list(reversed(rows))
    bars.data = [[min(100.0, r[chart["value"]] * 100) for r in ordered]]
    bars.categoryAxis.categoryNames = [_label(r.get(chart["label"]), 16) for r in ordered]
    bars.categoryAxis.labels.fontName = font
    bars.categoryAxis.labels.fontSize = 8
    bars.valueAxis.valueMin, bars.valueAxis.valueMax, bars.valueAxis.valueStep = 0, 100, 20
    bars.valueAxis.labels.fontName = font
    bars.valueAxis.labelTextFormat = "%d%%"
    bars.bars[0].fillColor = BAR
    bars.barLabelFormat = "%.1f%%"
    bars.barLabels.fontName = font
    bars.barLabels.fontSize = 7
    bars.barLabels.boxAnchor = "w"
    bars.barLabels.dx = 3
    drawing.add(bars)
    step = bars.height / len(ordered)
    for index, row in enumerate(ordered):
        target = row.get(chart["target"]) if chart.get("target") else None
        if target is None:
            continue
        x = bars.x + bars.width * min(1.0, float(target))
        y = bars.y + step * index
        drawing.add(Line(x, y + 2, x, y + step - 2, strokeColor=TARGET, strokeWidth=2))
    _title(drawing, chart["title_zh"], width, height, font, len(rows), len(table["rows"]))
    return drawing


def vertical_chart(chart: dict[str, Any], table: dict[str, Any], width: float, font: str) -> Drawing | None:
    """Bars per category (share or count), a second series if given, and the target as a red line."""
    rows = _rows(chart, table)
    if not rows:
        return None
    is_share = chart["kind"] == ChartKind.SHARE_VS_TARGET
    height = 230
    drawing = Drawing(width, height)
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 45, 60, width - 70, height - 90
    scale = 100 if is_share else 1
    series = [[(r.get(chart["value"]) or 0) * scale for r in rows]]
    if chart.get("second_value"):
        series.append([(r.get(chart["second_value"]) or 0) * scale for r in rows])
    bars.data = series
    # Upright labels must fit their bar group (about 7 pt a CJK character); slanted ones may run longer.
    fits = max(4, int(bars.width / len(rows) // 7))
    limit = 10 if len(rows) > 8 else (18 if len(rows) > 6 else min(18, fits))
    bars.categoryAxis.categoryNames = [_label(r.get(chart["label"]), limit) for r in rows]
    bars.categoryAxis.labels.fontName = font
    bars.categoryAxis.labels.fontSize = 7
    bars.categoryAxis.labels.angle = 30 if len(rows) > 6 else 0
    bars.categoryAxis.labels.boxAnchor = "ne" if len(rows) > 6 else "n"
    bars.valueAxis.labels.fontName = font
    bars.valueAxis.valueMin = 0
    if is_share:
        bars.valueAxis.valueMax, bars.valueAxis.valueStep = 100, 20
        bars.valueAxis.labelTextFormat = "%d%%"
    else:  # counts: whole-number ticks (no "0.5 entries")
        top = max((v for values in series for v in values), default=0)
        bars.valueAxis.valueStep = max(1, math.ceil(top / 5))
        bars.valueAxis.labelTextFormat = "%d"
    bars.bars[0].fillColor = BAR
    if len(series) > 1:
        bars.bars[1].fillColor = SECOND
    drawing.add(bars)
    targets = [r.get(chart["target"]) if chart.get("target") else None for r in rows]
    if any(t is not None for t in targets):
        step = bars.width / len(rows)
        # One segment per bar: each row (a category, a district, an enterprise) may have a target of its own.
        for index, target in enumerate(targets):
            if target is None:
                continue
            y = bars.y + bars.height * min(1.0, float(target))
            drawing.add(Line(bars.x + step * index + 2, y, bars.x + step * (index + 1) - 2, y, strokeColor=TARGET,
                             strokeWidth=1.5))  # fmt: skip
        drawing.add(
            String(
                width - 20,
                bars.y + bars.height + 4,
                "— 目标",
                fontName=font,
                fontSize=7,
                fillColor=TARGET,
                textAnchor="end",
            )
        )
    _title(drawing, chart["title_zh"], width, height, font, len(rows), len(table["rows"]))
    return drawing


def draw_chart(chart: dict[str, Any], tables: dict[str, dict[str, Any]], width: float, font: str) -> Drawing | None:
    """The drawing for a stored chart spec, or None when its table has nothing to draw."""
    table = tables.get(chart["table"])
    if table is None:
        return None
    if chart["kind"] == ChartKind.PROGRESS:
        return progress_chart(chart, table, width, font)
    return vertical_chart(chart, table, width, font)
