"""Video segments: bytes to the storage backend, metadata (camera, window, size, checksum, URI) to the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from gatecontrol import daos
from gatecontrol.commands.sites import authorise_site
from gatecontrol.config import gate_settings
from gatecontrol.models import Camera, VideoSegment
from gatecontrol.storage import VideoStorage, checksum, storage_for
from shared.auth import Principal
from shared.db import session, unit_of_work
from shared.errors import Conflict, NotFound, ValidationFailed


def video_storage() -> VideoStorage:
    """The app's storage backend (built once per app)."""
    if "gatecontrol.storage" not in current_app.extensions:
        current_app.extensions["gatecontrol.storage"] = storage_for(gate_settings())
    return current_app.extensions["gatecontrol.storage"]


def store_segment(
    site_id: str, camera_id: str, starts_at: datetime, ends_at: datetime, data: bytes, principal: Principal
) -> tuple[VideoSegment, bool]:
    """Keep a segment; the same bytes for the same window again is a no-op, other bytes a 409."""
    if not data:
        raise ValidationFailed("the segment is empty", errors=[{"field": "_body", "reason": "no bytes sent"}])
    digest = checksum(data)
    db_session = session()
    authorise_site(principal, daos.get_site(db_session, site_id))
    if db_session.get(Camera, (site_id, camera_id)) is None:
        raise NotFound(f"site {site_id} has no camera {camera_id!r}")
    existing = _existing(site_id, camera_id, starts_at)
    if existing is not None:
        if existing.sha256 != digest or existing.ends_at != ends_at:
            raise Conflict(
                f"camera {camera_id} already has a different segment starting {starts_at.isoformat()}",
                errors=[{"field": "_body" if existing.sha256 != digest else "ends_at", "reason": "differs"}],
            )
        return existing, False
    db_session.rollback()  # no transaction held while the bytes travel to storage
    utc = starts_at.astimezone(UTC)
    key = f"{site_id}/{camera_id}/{utc:%Y/%m/%d}/{utc:%Y%m%dT%H%M%SZ}-{digest[:16]}.bin"
    uri = video_storage().put(key, data)
    with unit_of_work() as db_session:
        segment = VideoSegment(
            site_id=site_id,
            camera_id=camera_id,
            starts_at=starts_at,
            ends_at=ends_at,
            size_bytes=len(data),
            sha256=digest,
            storage_uri=uri,
        )
        db_session.add(segment)
    return segment, True


def _existing(site_id: str, camera_id: str, starts_at: datetime) -> VideoSegment | None:
    query = select(VideoSegment).where(
        VideoSegment.site_id == site_id, VideoSegment.camera_id == camera_id, VideoSegment.starts_at == starts_at
    )
    return session().scalars(query).first()


def list_segments(site_id: str, start: datetime | None, end: datetime | None, principal: Principal) -> list[Any]:
    """A site's segments overlapping [start, end)."""
    db_session = session()
    authorise_site(principal, daos.get_site(db_session, site_id))
    query = select(VideoSegment).where(VideoSegment.site_id == site_id).order_by(VideoSegment.starts_at)
    if start:
        query = query.where(VideoSegment.ends_at > start)
    if end:
        query = query.where(VideoSegment.starts_at < end)
    return list(db_session.scalars(query.limit(1000)))


def segment_bytes(site_id: str, segment_id: int, principal: Principal) -> tuple[VideoSegment, bytes]:
    """A segment's metadata and bytes, checked against the stored checksum."""
    db_session = session()
    authorise_site(principal, daos.get_site(db_session, site_id))
    segment = db_session.get(VideoSegment, segment_id)
    if segment is None or segment.site_id != site_id:
        raise NotFound(f"site {site_id} has no video segment {segment_id}")
    data = video_storage().get(segment.storage_uri)
    if checksum(data) != segment.sha256:
        raise Conflict(f"segment {segment_id} no longer matches its checksum; the stored bytes are damaged")
    return segment, data
