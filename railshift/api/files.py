"""/api/v1/declarations/{template,upload,export}: declarations as XLSX or CSV files."""

from __future__ import annotations

from typing import Any

from flask import Response, request, stream_with_context

from railshift.commands.common import check_may_see_drafts
from railshift.commands.spreadsheets import DECLARATION_SPEC, check_upload, export_chunks, import_upload
from railshift.schemas import ExportQuerySchema, FormatQuerySchema, UploadQuerySchema, UploadResultSchema
from shared.api import Blueprint, ProblemSchema, accepts
from shared.auth import Role, current_principal, require_role
from shared.tabular import EXPORT_MIMETYPES, attachment, error_report_chunks, template_bytes

blp = Blueprint("declaration-files", __name__, url_prefix="/api/v1/declarations",
                description="Declaration template, upload with row-level errors, and export (XLSX or CSV)")
UPLOAD_TYPES = (EXPORT_MIMETYPES["xlsx"], "text/csv", "application/octet-stream")


def _download(chunks: Any, fmt: str, stem: str) -> Response:
    return Response(chunks, mimetype=EXPORT_MIMETYPES[fmt],
                    headers={"Content-Disposition": attachment(f"{stem}.{fmt}")})


@blp.route("/template")
@blp.arguments(FormatQuerySchema(), location="query")
@blp.doc(responses={"200": {"description": "the blank template (Chinese headers; XLSX adds a notes sheet)"}})
def template(args: dict[str, Any]) -> Response:
    """The declaration template to fill in."""
    return _download([template_bytes(DECLARATION_SPEC, args["format"])], args["format"], "declaration-template")


@blp.route("/upload", methods=["POST"])
@accepts(*UPLOAD_TYPES)
@blp.arguments(UploadQuerySchema(), location="query")
@blp.response(201, UploadResultSchema)
@blp.alt_response(422, schema=ProblemSchema, description="every bad row with its field and reason; nothing saved")
@require_role(Role.ENTERPRISE)
def upload(args: dict[str, Any]) -> Any:
    """Save a filled-in template as drafts (one per enterprise-month), all or nothing."""
    return import_upload(request.stream, args["filename"], current_principal())


@blp.route("/upload/errors", methods=["POST"])
@accepts(*UPLOAD_TYPES)
@blp.arguments(UploadQuerySchema(), location="query")
@blp.doc(responses={"200": {"description": "the row-level error report (行号/字段/原因/值); empty when all is well"}})
@require_role(Role.ENTERPRISE)
def upload_errors(args: dict[str, Any]) -> Response:
    """Check a file without saving it and download its error report."""
    errors = check_upload(request.stream, args["filename"], current_principal())
    return _download(error_report_chunks(errors, args["format"]), args["format"], "declaration-errors")


@blp.route("/export")
@blp.arguments(ExportQuerySchema(), location="query")
@blp.doc(responses={"200": {"description": "one row per declaration line"}})
@require_role(Role.TRANSPORT, Role.ENVIRONMENT, Role.SERVICE, Role.ENTERPRISE)
def export(args: dict[str, Any]) -> Response:
    """Declaration lines (official versions, or those in `status`), streamed; an enterprise gets its own."""
    principal = current_principal()
    if args.get("status") == "draft":
        check_may_see_drafts(principal)  # before the 200 goes out: a refusal inside the stream truncates the file
    return _download(stream_with_context(export_chunks(args, principal)), args["format"], "declarations")
