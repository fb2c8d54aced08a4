"""JSON logs, one object per line, carrying the service name and the request id across services."""

from __future__ import annotations

import io
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.orjson import OrjsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_logger = logging.getLogger("lantian.access")


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        if has_request_context():
            record.request_id = g.get("request_id")
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send the process's logs to stderr as JSON (called once by the process entry point, not by tests)."""
    # orjson writes Chinese as UTF-8 (the json module escaped it) at a third of the json module's cost per line;
    # a terminal that cannot show a character gets an escape instead of a logging error
    if isinstance(sys.stderr, io.TextIOWrapper):
        sys.stderr.reconfigure(errors="backslashreplace")
    handler = logging.StreamHandler()
    handler.setFormatter(
        OrjsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def init_request_logging(app: Flask) -> None:
    """Give every request an id (the caller's X-Request-ID if sane) and log it when it ends."""

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        principal = g.get("principal")
        access_logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                "principal": principal.name if principal else None,
                "request_id": request_id,
            },
        )
        return response
