"""One error envelope: every error leaves a service as application/problem+json (RFC 9457)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Response, g, json, request
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError, StatementError
from werkzeug.exceptions import HTTPException

logger = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:lantian:problem:"


class LantianError(Exception):
    """Base of every error the domain raises; carries its HTTP status and a stable machine code."""

    status = 500
    code = "internal-error"
    title = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Iterable[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = [dict(e) for e in errors]
        self.headers = dict(headers or {})
        self.extra = extra


class BadRequest(LantianError):
    status, code, title = 400, "bad-request", "Malformed request"


class Unauthorized(LantianError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(LantianError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(LantianError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(LantianError):
    status, code, title = 409, "conflict", "Conflict with the stored state"


class PayloadTooLarge(LantianError):
    status, code, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(LantianError):
    status, code, title = 415, "unsupported-media-type", "Unsupported content type"


class ValidationFailed(LantianError):
    status, code, title = 422, "validation-failed", "Request is not valid"


class ServiceUnavailable(LantianError):
    status, code, title = 503, "service-unavailable", "Service temporarily unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    code, title = "database-unavailable", "Database unavailable"


class UpstreamUnavailable(ServiceUnavailable):
    """Another lantian service did not answer (down, timed out, or answered 5xx)."""

    code, title = "upstream-unavailable", "A service this one depends on is unavailable"


class UpstreamError(LantianError):
    """Another lantian service refused a request this service made (4xx it cannot recover from)."""

    status, code, title = 502, "upstream-error", "A service this one depends on refused the request"


_HTTP_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-failed",
    429: "too-many-requests",
}


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    errors: Iterable[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Build the problem+json response every error goes out as."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "code": code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path if request else None,
    }
    errors = list(errors)
    if errors:
        body["errors"] = errors
    body.update(extra)
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_messages(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn marshmallow's nested messages into [{"field": "passages.3.plate", "reason": ...}]."""
    if isinstance(messages, Mapping):
        out: list[dict[str, str]] = []
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(flatten_messages(value, path))
        return out
    if isinstance(messages, list | tuple) and messages and all(isinstance(m, str) for m in messages):
        return [{"field": prefix or "_body", "reason": m} for m in messages]
    if isinstance(messages, list | tuple):
        return [e for m in messages for e in flatten_messages(m, prefix)]
    return [{"field": prefix or "_body", "reason": str(messages)}]


def _webargs_errors(exc: HTTPException) -> list[dict[str, str]]:
    """Field errors webargs attached to a 422/400, with the request location (json, query) dropped."""
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    errors: list[dict[str, str]] = []
    for location, fields in messages.items():
        for error in flatten_messages(fields):
            errors.append({**error, "in": location})
    return errors


def handle_http_exception(exc: HTTPException) -> Response:
    """Werkzeug and webargs errors (404 routes, 405, 413, malformed JSON, schema failures)."""
    status = exc.code or 500
    code = _HTTP_CODES.get(status, "http-error")
    errors = _webargs_errors(exc)
    detail = exc.description or exc.name
    if status == 422:
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors) or detail
    elif status == 400 and errors:
        detail = "; ".join(e["reason"] for e in errors)
        code = "malformed-json" if any(e["in"] == "json" for e in errors) else code
    headers = {}
    valid_methods = getattr(exc, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    return problem_response(status, code, exc.name, detail, errors=errors, headers=headers)


def handle_lantian_error(exc: LantianError) -> Response:
    if exc.status >= 500:
        logger.warning("request failed: %s", exc.detail, extra={"code": exc.code})
    return problem_response(
        exc.status, exc.code, exc.title, exc.detail, errors=exc.errors, headers=exc.headers, **exc.extra
    )


def handle_validation_error(exc: ValidationError) -> Response:
    errors = flatten_messages(exc.messages)
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    return problem_response(422, "validation-failed", "Request is not valid", detail, errors=errors)


def handle_database_error(exc: DBAPIError) -> Response:
    # Lost connections are transient (database restart, failover): tell the client when to retry.
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        logger.error("database unavailable: %s", exc.orig)
        return problem_response(
            503,
            DatabaseUnavailable.code,
            DatabaseUnavailable.title,
            "the database is not reachable; retry shortly",
            headers={"Retry-After": "5"},
        )
    return handle_unexpected(exc)


def handle_unexpected(exc: Exception) -> Response:
    logger.exception("unhandled error")
    return problem_response(
        500, "internal-error", "Internal error", "an unexpected error occurred; quote the request_id when reporting it"
    )


def handle_overflow(exc: OverflowError) -> Response:
    """Arithmetic on a date or number the client sent went past what Python or the database holds (a day at
    year 1 shifted to UTC, the day after 9999-12-31): the input's fault, so a 422, never a 500."""
    logger.info("input out of range: %s", exc)
    return handle_lantian_error(ValidationFailed(
        f"a date or number in the request is outside the range the service handles ({exc})",
        errors=[{"field": "_request", "reason": "a date or number out of range", "in": "query"}],
    ))


def handle_statement_error(exc: StatementError) -> Response:
    """A value SQLAlchemy could not bind: out of range is the input's fault (422); anything else is ours."""
    if isinstance(exc.orig, OverflowError):
        return handle_overflow(exc.orig)
    return handle_unexpected(exc)


def register_error_handlers(app: Flask) -> None:
    """Map every error to problem+json in one place."""
    app.register_error_handler(LantianError, handle_lantian_error)
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(OverflowError, handle_overflow)
    app.register_error_handler(StatementError, handle_statement_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
