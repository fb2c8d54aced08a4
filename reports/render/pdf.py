"""The report as a printable A4 PDF: cover, one part per section with its chart, tables, sources and targets.

Chinese text is set in WenQuanYi Micro Hei (文泉驿微米黑), a TrueType font installed by the
paperang-p2-fonts-cjk package; reportlab embeds only the glyphs used (a subset), so the file stays small.
"""

from __future__ import annotations

import functools
import io
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, LongTable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus.flowables import Flowable

from reports.content import ColumnFormat
from reports.render import STATUS_ZH, text_value, unavailable_text
from reports.render.charts import draw_chart

FONT = "WQYMicroHei"
MARGIN = 16 * mm
TEXT_WIDTH = A4[0] - 2 * MARGIN
NUMERIC = {ColumnFormat.INTEGER, ColumnFormat.DECIMAL, ColumnFormat.PERCENT}
GRID = colors.HexColor("#b0b7c3")
HEAD = colors.HexColor("#e3e9f3")
TOTAL = colors.HexColor("#f3f3f3")


@functools.cache
def register_font() -> str:
    """Register the CJK TrueType font once per process; its name for styles and charts."""
    path = resources.files("paperang_p2_fonts_cjk").joinpath("fonts", "wqy-microhei.ttc")
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT, italic=FONT, boldItalic=FONT)
    return FONT


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    font = register_font()
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5),
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=14),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=16, alignment=TA_CENTER),
        "h1": ParagraphStyle("h1", parent=base, fontSize=15, leading=21, spaceAfter=2),
        "h1en": ParagraphStyle("h1en", parent=base, fontSize=9, leading=12, textColor=colors.grey, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontSize=11, leading=15, spaceBefore=8, spaceAfter=4),
        "alert": ParagraphStyle(
            "alert", parent=base, fontSize=11, leading=16, textColor=colors.HexColor("#8a1c1c"),
            backColor=colors.HexColor("#fdecea"), borderColor=colors.HexColor("#c62828"), borderWidth=1,
            borderPadding=8, spaceBefore=10, spaceAfter=10,
        ),
    }  # fmt: skip


def _p(text: Any, style: str = "body") -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)), _styles()[style])


def _grid(rows: list[list[Any]], widths: list[float], *, header: bool = True, totals: bool = False) -> LongTable:
    table = LongTable(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), register_font()),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD))
    if totals:
        style.append(("BACKGROUND", (0, -1), (-1, -1), TOTAL))
    table.setStyle(TableStyle(style))
    return table


def _widths(table: dict[str, Any]) -> list[float]:
    """Column widths from what the columns hold: numbers keep their natural width, text columns give way."""
    font = register_font()
    columns, sample = table["columns"], table["rows"][:200] + ([table["totals"]] if table.get("totals") else [])
    natural = []
    for column in columns:
        texts = [text_value(row.get(column["key"]), column["format"]) for row in sample]
        widest = max((pdfmetrics.stringWidth(t, font, 7.5) for t in texts), default=0.0)
        header = pdfmetrics.stringWidth(column["zh"], font, 7.5) / 2  # headers wrap onto two lines
        natural.append(max(widest, header, 18.0) + 6)
    # Numbers, dates and short text (codes, 是/否) keep their width; only long text wraps.
    numeric = [
        c["format"] in NUMERIC or c["format"] == ColumnFormat.DATE or width <= 70
        for c, width in zip(columns, natural, strict=True)
    ]
    fixed = sum(w for w, n in zip(natural, numeric, strict=True) if n)
    flexible = sum(w for w, n in zip(natural, numeric, strict=True) if not n)
    if fixed + flexible <= TEXT_WIDTH:
        scale = TEXT_WIDTH / (fixed + flexible)
        return [w * scale for w in natural]
    room = max(TEXT_WIDTH - fixed, TEXT_WIDTH * 0.3)  # text wraps; numbers never do
    fixed_scale = min(1.0, (TEXT_WIDTH - room) / fixed) if fixed else 1.0
    return [w * fixed_scale if n else w * room / flexible for w, n in zip(natural, numeric, strict=True)]


def _cell(value: Any, column: dict[str, Any]) -> Any:
    text = text_value(value, column["format"])
    # Paragraphs wrap (and cost time); numbers and short text go in as plain strings, never broken.
    return _p(text, "cell") if len(text) > 10 and column["format"] not in NUMERIC else text


def _data_table(table: dict[str, Any]) -> LongTable:
    table = {**table, "columns": [c for c in table["columns"] if c.get("printed", True)]}
    columns = table["columns"]
    rows: list[list[Any]] = [[_p(c["zh"], "cell") for c in columns]]
    rows += [[_cell(row.get(c["key"]), c) for c in columns] for row in table["rows"]]
    totals = table.get("totals")
    if totals:
        rows.append([_cell(totals.get(c["key"]), c) for c in columns])
    grid = _grid(rows, _widths(table), totals=bool(totals))
    right = [("ALIGN", (i, 1), (i, -1), "RIGHT") for i, c in enumerate(columns) if c["format"] in NUMERIC]
    if right:
        grid.setStyle(TableStyle(right))
    return grid


def _sources_and_targets(section: dict[str, Any]) -> list[Flowable]:
    out: list[Flowable] = [_p("数据来源 Sources", "h2")]
    rows = [["服务", "路径", "数据截至 As of", "读取时间 Read at"]]
    rows += [[s["service"], _p(s["path"], "cell"), _p(s["as_of"], "cell"), _p(s.get("read_at"), "cell")]
             for s in section["sources"]]  # fmt: skip
    out.append(_grid(rows, [TEXT_WIDTH * 0.12, TEXT_WIDTH * 0.48, TEXT_WIDTH * 0.2, TEXT_WIDTH * 0.2]))
    if section["targets"]:
        out.append(_p("评判依据（政策目标）Policy targets", "h2"))
        rows = [["文件", "条款", "目标", "说明"]]
        for t in section["targets"]:
            goal = f"{t.get('comparison') or ''} {t.get('value') or ''} {t.get('unit') or ''}".strip()
            rows.append(
                [
                    _p(t["document"], "cell"),
                    _p(t["item"], "cell"),
                    _p(goal, "cell"),
                    _p(t.get("description") or t["code"], "cell"),
                ]
            )
        out.append(_grid(rows, [TEXT_WIDTH * 0.22, TEXT_WIDTH * 0.14, TEXT_WIDTH * 0.14, TEXT_WIDTH * 0.50]))
    return out


def _section(section: dict[str, Any]) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), _p(section["title_zh"], "h1"), _p(section["title_en"], "h1en")]
    if section["status"] != "ok":
        out.append(_p(unavailable_text(section), "alert"))
        out.append(
            _p(
                "本节数据未纳入本报告，不以零值代替。This section is not in the report; it is not shown as zeros.",
                "small",
            )
        )
        return out
    tables = {t["key"]: t for t in section["tables"]}
    for chart in section["charts"]:
        drawing = draw_chart(chart, tables, TEXT_WIDTH, register_font())
        if drawing is not None:
            out += [drawing, Spacer(1, 6)]
    for table in section["tables"]:
        heading = _p(f"{table['title_zh']}  {table['title_en']}", "h2")
        if not table["rows"]:
            out += [heading, _p("本月无记录。None this month.", "small")]
            continue
        out += [heading, _data_table(table)]
    for note in section["notes"]:
        out.append(_p(note, "small"))
    out += _sources_and_targets(section)
    return out


def _cover(report: dict[str, Any]) -> list[Flowable]:
    year, month = report["month"].split("-")
    title = f"{report['area_name']}{year}年{int(month)}月 蓝天保卫战交通运输领域月度报告"
    out: list[Flowable] = [Spacer(1, 30 * mm), _p(title, "title"),
                           _p(f"Monthly compliance report, {report['month']}, {report['area']}", "subtitle"),
                           Spacer(1, 12 * mm)]  # fmt: skip
    rows = [
        ["版本 Version", str(report.get("version"))],
        ["状态 Status", STATUS_ZH.get(report["status"], report["status"])],
        ["生成时间 Generated", str(report.get("generated_at"))],
        ["生成者 By", str(report.get("generated_by"))],
    ]
    rows += [[f"数据读取 {service}", as_of] for service, as_of in sorted(report["inputs_as_of"].items())]
    out.append(_grid(rows, [TEXT_WIDTH * 0.3, TEXT_WIDTH * 0.7], header=False))
    out.append(Spacer(1, 8 * mm))
    contents = [["章节 Section", "状态 Status"]]
    for section in report["sections"]:
        state = "可用" if section["status"] == "ok" else unavailable_text(section)
        contents.append([_p(section["title_zh"], "cell"), _p(state, "cell")])
    out.append(KeepTogether(_grid(contents, [TEXT_WIDTH * 0.35, TEXT_WIDTH * 0.65])))
    return out


def render_pdf(report: dict[str, Any]) -> bytes:
    """The stored report as PDF bytes (A4): a cover page, then each section from a new page."""
    buffer = io.BytesIO()
    footer = f"{report['area_name']} {report['month']} 月度报告 v{report.get('version')}"

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(register_font(), 7.5)
        canvas.drawString(MARGIN, 9 * mm, footer)
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
        title=f"月度报告 {report['month']} {report['area_name']}", author="lantian reports", subject="monthly report",
    )  # fmt: skip
    story = _cover(report)
    for section in report["sections"]:
        story += _section(section)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
