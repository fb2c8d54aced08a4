"""/api/v1/reports/monthly/{YYYY-MM}: the monthly compliance report as JSON, XLSX or PDF."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context

from reports.commands import GetMonthlyReport, ListReportVersions
from reports.render.pdf import render_pdf
from reports.render.xlsx import report_xlsx_chunks
from reports.schemas import MonthlyQuerySchema, MonthlyReportSchema, ReportVersionsSchema
from shared.api import Blueprint, ProblemSchema
from shared.auth import current_principal, require_role
from shared.tabular import EXPORT_MIMETYPES, attachment

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="The monthly compliance report")
READERS = ("environment", "transport", "police", "service")
PDF_MIMETYPE = "application/pdf"


def report_response(report: Any, fmt: str) -> Any:
    """The stored report in the asked format; XLSX and PDF are drawn from the stored JSON only."""
    data = report.data
    if fmt == "json":
        return data
    name = f"lantian-report-{data['month']}-{data['area']}-v{data['version']}.{fmt}"
    headers = {"Content-Disposition": attachment(name)}
    if fmt == "xlsx":
        return Response(
            stream_with_context(report_xlsx_chunks(data)), mimetype=EXPORT_MIMETYPES["xlsx"], headers=headers
        )
    return Response(render_pdf(data), mimetype=PDF_MIMETYPE, headers=headers)


@blp.route("/monthly/<month>")
@blp.arguments(MonthlyQuerySchema(), location="query")
@blp.response(200, MonthlyReportSchema, description="JSON; format=xlsx or pdf sends the file instead")
@blp.files(EXPORT_MIMETYPES["xlsx"], PDF_MIMETYPE)
@blp.alt_response(422, schema=ProblemSchema, description="month malformed or in the future; area unknown")
@blp.alt_response(503, schema=ProblemSchema, description="an upstream service is down (named in `service`)")
@require_role(*READERS)
def monthly(args: dict[str, Any], month: str) -> Any:
    """The report of a month for the city or one district: the stored one unless `regenerate=true`."""
    report = GetMonthlyReport(
        month=month, area=args["area"], actor=current_principal().name, regenerate=args["regenerate"],
        allow_partial=args["allow_partial"], version=args["version"],
    ).run()  # fmt: skip
    return report_response(report, args["format"])


@blp.route("/monthly/<month>/versions")
@blp.arguments(MonthlyQuerySchema(only=("area",)), location="query")
@blp.response(200, ReportVersionsSchema)
@require_role(*READERS)
def versions(args: dict[str, Any], month: str) -> Any:
    """Every stored version of a month's report for the area, newest first."""
    return ListReportVersions(month=month, area=args["area"]).run()
