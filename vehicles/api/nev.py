"""/api/v1/nev: new-energy share of public fleets (stock and additions) against targets, monthly trend, exports."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context

from shared.api import Blueprint
from shared.auth import Role, require_role
from shared.tabular import EXPORT_MIMETYPES, attachment
from vehicles.commands.nev import (
    SHARE_HEADERS,
    TREND_HEADERS,
    NevShares,
    NevTrend,
    export_chunks,
    share_rows,
    trend_rows,
)
from vehicles.schemas.nev import (
    ExportQuerySchema,
    SharesQuerySchema,
    SharesSchema,
    TrendExportQuerySchema,
    TrendQuerySchema,
    TrendSchema,
)

blp = Blueprint("nev", __name__, url_prefix="/api/v1/nev", description="New-energy share of public fleets")

READERS = (Role.ENVIRONMENT, Role.TRANSPORT, Role.POLICE, Role.SERVICE)


def _shares(args: dict[str, Any]) -> NevShares:
    return NevShares(
        args["jurisdiction"],
        args["as_of"],
        args["from_"],
        args["to"],
        args["category"],
        args["district_code"],
        args["by"] == "district",
    )


def _file(chunks: Any, fmt: str, name: str) -> Response:
    return Response(
        stream_with_context(chunks),
        mimetype=EXPORT_MIMETYPES[fmt],
        headers={"Content-Disposition": attachment(f"{name}.{fmt}")},
    )


@blp.route("/shares")
@blp.arguments(SharesQuerySchema(), location="query")
@blp.response(200, SharesSchema)
@require_role(*READERS)
def shares(args: dict[str, Any]) -> Any:
    """Stock share on `as_of` and additions share over [from, to] per category (and district), with targets."""
    return _shares(args).run()


@blp.route("/shares/export")
@blp.arguments(ExportQuerySchema(), location="query")
@blp.response(200, description="CSV or XLSX", content_type=EXPORT_MIMETYPES["xlsx"])
@require_role(*READERS)
def shares_export(args: dict[str, Any]) -> Any:
    """The shares table as CSV or XLSX."""
    result = _shares(args).run()
    chunks = export_chunks(args["format"], "新能源占比 NEV share", SHARE_HEADERS, share_rows(result))
    return _file(chunks, args["format"], f"nev-shares-{args['jurisdiction']}-{args['as_of']}")


@blp.route("/trend")
@blp.arguments(TrendQuerySchema(), location="query")
@blp.response(200, TrendSchema)
@require_role(*READERS)
def trend(args: dict[str, Any]) -> Any:
    """Monthly series of one category's stock and additions shares, each against the targets of that month."""
    return NevTrend(
        args["jurisdiction"], args["category"], args["from_month"], args["to_month"], args["district_code"]
    ).run()


@blp.route("/trend/export")
@blp.arguments(TrendExportQuerySchema(), location="query")
@blp.response(200, description="CSV or XLSX", content_type=EXPORT_MIMETYPES["xlsx"])
@require_role(*READERS)
def trend_export(args: dict[str, Any]) -> Any:
    """The monthly series as CSV or XLSX."""
    result = NevTrend(
        args["jurisdiction"], args["category"], args["from_month"], args["to_month"], args["district_code"]
    ).run()
    chunks = export_chunks(args["format"], "月度趋势 Trend", TREND_HEADERS, trend_rows(result))
    return _file(chunks, args["format"], f"nev-trend-{args['category']}-{args['from_month']}-{args['to_month']}")
