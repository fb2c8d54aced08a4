"""/api/v1/sites/{site_id}/.../segments: video segments (bytes in the storage backend, metadata here)."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from marshmallow import Schema, ValidationError, fields, validates_schema

from gatecontrol.commands import video
from shared.api import Blueprint, ProblemSchema, accepts
from shared.auth import Role, current_principal, require_role

blp = Blueprint("video", __name__, url_prefix="/api/v1/sites", description="Video segments of site cameras")
VIDEO_TYPES = ("application/octet-stream", "video/mp4", "video/mp2t")


class SegmentWindowSchema(Schema):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["ends_at"] <= data["starts_at"]:
            raise ValidationError("must be after starts_at", "ends_at")


class SegmentRangeSchema(Schema):
    from_ = fields.AwareDateTime(data_key="from", load_default=None)
    to = fields.AwareDateTime(load_default=None)


class SegmentSchema(Schema):
    id = fields.Integer()
    site_id = fields.String()
    camera_id = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    storage_uri = fields.String()
    created_at = fields.DateTime()


@blp.route("/<site_id>/cameras/<camera_id>/segments", methods=["POST"])
@blp.arguments(SegmentWindowSchema(), location="query")
@blp.response(201, SegmentSchema)
@blp.alt_response(200, schema=SegmentSchema, description="the same segment was stored before")
@blp.alt_response(409, schema=ProblemSchema, description="another segment starts at that time")
@accepts(*VIDEO_TYPES)
@require_role(Role.GATE, Role.ENVIRONMENT)
def upload(window: dict[str, Any], site_id: str, camera_id: str) -> Any:
    """Store a segment's bytes (the body) for [starts_at, ends_at); safe to retry."""
    segment, created = video.store_segment(
        site_id, camera_id, window["starts_at"], window["ends_at"], request.get_data(), current_principal()
    )
    return segment, 201 if created else 200


@blp.route("/<site_id>/segments")
@blp.arguments(SegmentRangeSchema(), location="query")
@blp.response(200, SegmentSchema(many=True))
@require_role(Role.ENVIRONMENT, Role.POLICE, Role.ENTERPRISE, Role.GATE)
def list_segments(args: dict[str, Any], site_id: str) -> Any:
    """Segments overlapping a time range (an inspector pulls 5-10 minute windows during an alert)."""
    return video.list_segments(site_id, args.get("from_"), args.get("to"), current_principal())


@blp.route("/<site_id>/segments/<int:segment_id>/content")
@blp.response(200, description="the segment's bytes")
@require_role(Role.ENVIRONMENT, Role.POLICE, Role.ENTERPRISE, Role.GATE)
def content(site_id: str, segment_id: int) -> Any:
    """A segment's bytes, verified against the stored checksum."""
    segment, data = video.segment_bytes(site_id, segment_id, current_principal())
    return Response(data, mimetype="application/octet-stream", headers={"X-Checksum-SHA256": segment.sha256})
