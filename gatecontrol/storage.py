"""Where video bytes live: a local directory by default, S3-compatible object storage (boto3) in production."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from gatecontrol.config import GateSettings
from shared.config import ConfigError
from shared.errors import NotFound

logger = logging.getLogger(__name__)


class VideoStorage(Protocol):
    """A store of immutable objects addressed by key; returns the URI kept in video_segment.storage_uri."""

    def put(self, key: str, data: bytes) -> str: ...

    def get(self, uri: str) -> bytes: ...

    def delete(self, uri: str) -> None: ...


class ObjectMissing(NotFound):
    """The metadata names bytes the storage backend no longer has."""

    code, title = "video-bytes-missing", "Video bytes missing from storage"


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalStorage:
    """Objects as files under a directory (the embedded default: <var>/video)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, uri: str) -> Path:
        path = Path(unquote(urlsplit(uri).path)).resolve()
        if self.root not in path.parents:
            raise ValueError(f"{uri} is outside the video directory {self.root}")
        return path

    def put(self, key: str, data: bytes) -> str:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"key {key!r} escapes the video directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a segment
        return path.as_uri()

    def get(self, uri: str) -> bytes:
        try:
            return self._path(uri).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectMissing(f"{uri} is not in the video directory") from exc

    def delete(self, uri: str) -> None:
        self._path(uri).unlink(missing_ok=True)


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, Ceph ...); credentials from the usual AWS_* settings."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url)

    def _key(self, uri: str) -> str:
        parts = urlsplit(uri)
        if parts.scheme != "s3" or parts.netloc != self.bucket:
            raise ValueError(f"{uri} is not in bucket {self.bucket}")
        return parts.path.lstrip("/")

    def put(self, key: str, data: bytes) -> str:
        full = f"{self.prefix}/{key}" if self.prefix else key
        self.client.put_object(Bucket=self.bucket, Key=full, Body=data, ChecksumAlgorithm="SHA256")
        return f"s3://{self.bucket}/{full}"

    def get(self, uri: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(uri))["Body"].read()
        except self.client.exceptions.NoSuchKey as exc:
            raise ObjectMissing(f"{uri} is not in the bucket") from exc

    def delete(self, uri: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(uri))


def storage_for(settings: GateSettings) -> VideoStorage:
    """The backend LANTIAN_VIDEO_STORAGE_URL names: s3://bucket/prefix, or a directory."""
    url = settings.video_storage_url
    if url.startswith("s3://"):
        parts = urlsplit(url)
        if not parts.netloc:
            raise ConfigError(f"LANTIAN_VIDEO_STORAGE_URL {url!r} names no bucket")
        return S3Storage(parts.netloc, parts.path, settings.s3_endpoint_url)
    if "://" in url and not url.startswith("file://"):
        raise ConfigError(f"LANTIAN_VIDEO_STORAGE_URL {url!r}: use a directory or s3://bucket/prefix")
    return LocalStorage(urlsplit(url).path if url.startswith("file://") else url)
