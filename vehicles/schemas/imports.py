"""Schemas of the import resource: the upload form, a job, the template and error-report formats."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate


class UploadFormSchema(Schema):
    """multipart/form-data: `file` (CSV or XLSX) and `dry_run`."""

    dry_run = fields.Boolean(load_default=False, metadata={"description": "check every row, write nothing"})


class UploadFileSchema(Schema):
    """The uploaded file (multipart part `file`)."""
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class FormatQuerySchema(Schema):
    """?format=csv|xlsx."""
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class TemplateQuerySchema(FormatQuerySchema):
    """?format=xlsx|csv for the template (XLSX by default: it has the notes sheet)."""
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["csv", "xlsx"]))


class ImportJobSchema(Schema):
    """An import job and its progress."""

    id = fields.String()
    filename = fields.String()
    file_sha256 = fields.String()
    dry_run = fields.Boolean()
    state = fields.String(metadata={"description": "queued | running | done | failed | interrupted (its worker "
                                                   "stopped: POST …/rerun)"})
    rows_read = fields.Integer()
    rows_invalid = fields.Integer()
    rows_inserted = fields.Integer()
    rows_updated = fields.Integer()
    rows_unchanged = fields.Integer()
    detail = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    heartbeat_at = fields.DateTime(allow_none=True, metadata={"description": "the last committed batch"})
    attempt = fields.Integer(metadata={"description": "1, then one more for each rerun"})
    errors_url = fields.Function(lambda job: f"/api/v1/vehicle-imports/{_id(job)}/errors")


def _id(job: Any) -> str:
    return job["id"] if isinstance(job, dict) else job.id
