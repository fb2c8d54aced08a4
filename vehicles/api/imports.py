"""/api/v1/vehicle-imports: upload a CSV/XLSX register (job id to poll), its error report, the template."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView

from shared.api import Blueprint, ProblemSchema, accepts
from shared.auth import Role, current_principal, require_role
from shared.db import session
from shared.errors import ValidationFailed
from shared.tabular import EXPORT_MIMETYPES, attachment, error_report_chunks, template_bytes
from vehicles.commands.imports import RerunImport, StartImport, job_as_read
from vehicles.daos.imports import get_job, stream_row_errors
from vehicles.imports_spec import VEHICLE_TABLE
from vehicles.schemas.imports import (
    FormatQuerySchema,
    ImportJobSchema,
    TemplateQuerySchema,
    UploadFileSchema,
    UploadFormSchema,
)

blp = Blueprint("vehicle-imports", __name__, url_prefix="/api/v1/vehicle-imports",
                description="Bulk import of the vehicle register (CSV/XLSX, Chinese or English headers)")

# An import writes the registry: its jobs, error reports and template are the registry writers' tool, so the
# police (who may read vehicles but change no fact: issue 9) get 403 on all of them.
WRITERS = (Role.TRANSPORT, Role.ENVIRONMENT)
# A city's register runs to a million rows (~100 MB as CSV), far above the JSON body limit
# (LANTIAN_MAX_CONTENT_LENGTH). Werkzeug spools multipart file parts to disk, so this costs no memory.
MAX_UPLOAD_BYTES = 1 << 30


@blp.before_request
def _allow_large_uploads() -> None:
    if request.endpoint == "vehicle-imports.Imports" and request.method == "POST":
        request.max_content_length = MAX_UPLOAD_BYTES


@blp.route("")
class Imports(MethodView):
    """Upload a register file."""

    @blp.arguments(UploadFormSchema(), location="form")
    @blp.arguments(UploadFileSchema(), location="files")
    @blp.response(202, ImportJobSchema)
    @accepts("multipart/form-data")
    @require_role(*WRITERS)
    def post(self, form: dict[str, Any], files: dict[str, Any]) -> Any:
        """Upload a register file; the import runs in the background: poll the job for progress and result."""
        upload = files["file"]
        if not upload.filename:
            raise ValidationFailed("the upload has no file name", errors=[{"field": "file", "reason": "no file"}])
        return StartImport(upload.stream, upload.filename, form["dry_run"], current_principal().name).run()


def _stale_minutes() -> int:
    return current_app.extensions["lantian.settings"].import_stale_minutes


@blp.route("/template")
@blp.arguments(TemplateQuerySchema(), location="query")
@blp.response(200, description="the blank template with a notes sheet", content_type=EXPORT_MIMETYPES["xlsx"])
@require_role(*WRITERS, Role.SERVICE)
def template(args: dict[str, Any]) -> Any:
    """The register template (Chinese headers; English ones are accepted too)."""
    fmt = args["format"]
    return Response(template_bytes(VEHICLE_TABLE, fmt), mimetype=EXPORT_MIMETYPES[fmt],
                    headers={"Content-Disposition": attachment(f"vehicle-register-template.{fmt}")})


@blp.route("/<job_id>")
@blp.response(200, ImportJobSchema)
@require_role(*WRITERS)
def job(job_id: str) -> Any:
    """A job's state and counters (updated after every committed batch); `interrupted` when its worker stopped."""
    return job_as_read(get_job(session(), job_id), _stale_minutes())


@blp.route("/<job_id>/rerun", methods=["POST"])
@blp.response(202, ImportJobSchema)
@blp.alt_response(200, schema=ImportJobSchema, description="the job is running: nothing started")
@blp.alt_response(409, schema=ProblemSchema, description="the job finished, or its spooled file is gone")
@require_role(*WRITERS)
def rerun(job_id: str) -> Any:
    """Run an interrupted upload again from its spooled file (rows already imported come back unchanged)."""
    found, started = RerunImport(job_id, _stale_minutes()).run()
    return job_as_read(found, _stale_minutes()), 202 if started else 200


@blp.route("/<job_id>/errors")
@blp.arguments(FormatQuerySchema(), location="query")
@blp.response(200, description="row, field, reason, value", content_type=EXPORT_MIMETYPES["csv"])
@require_role(*WRITERS)
def errors(args: dict[str, Any], job_id: str) -> Any:
    """The rows refused, with the field and the reason, as CSV or XLSX."""
    get_job(session(), job_id)
    fmt = args["format"]
    chunks = error_report_chunks(stream_row_errors(job_id), fmt)
    return Response(stream_with_context(chunks), mimetype=EXPORT_MIMETYPES[fmt],
                    headers={"Content-Disposition": attachment(f"import-{job_id}-errors.{fmt}")})



