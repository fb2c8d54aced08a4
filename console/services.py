"""Calling the four services on the logged-in user's behalf, so a page never breaks when one is down.

Each request mints one short-lived JWT for the user (role and credit-code scope, signed with the shared key);
the services authorise it exactly as they would any other token, so the console holds no permissions of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from flask import Response, current_app, g, stream_with_context

from shared.auth import encode_token
from shared.client import ServiceClient
from shared.errors import Forbidden, NotFound, UpstreamError, UpstreamUnavailable

logger = logging.getLogger(__name__)
USER_TOKEN_LIFETIME = timedelta(minutes=5)
_PASSED_HEADERS = ("Content-Type", "Content-Disposition", "Content-Length")


@dataclass
class Fetched:
    """What one call gave: the JSON, or why not (unavailable, or refused with the service's problem)."""

    service: str
    data: Any = None
    unavailable: str | None = None
    problem: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.unavailable is None and self.problem is None


def user_token() -> str:
    """This request's token for the logged-in user (minted once per request)."""
    if "console_token" not in g:
        user = g.user
        g.console_token = encode_token(
            current_app.extensions["lantian.settings"].secret_key,
            role=user.role, name=f"console:{user.username}", uscc=user.uscc, expires_in=USER_TOKEN_LIFETIME,
        )
    return g.console_token


def client(service: str) -> ServiceClient:
    """The app's client for a service; its token is always the current user's."""
    clients: dict[str, ServiceClient] = current_app.extensions.setdefault("console.clients", {})
    if service not in clients:
        settings = current_app.extensions["lantian.settings"]
        clients[service] = ServiceClient(service, settings.service_urls[service], user_token,
                                         timeout=settings.http_timeout, retries=settings.http_retries)
    return clients[service]


def _note_unavailable(service: str, reason: str) -> None:
    """Note a service down for the page's banner; why (with its internal address) goes to the log only."""
    logger.warning("%s unavailable", service, extra={"service": service, "reason": reason})
    g.setdefault("unavailable", {})[service] = reason


def fetch(service: str, path: str, params: Mapping[str, Any] | None = None, *, main: bool = False) -> Fetched:
    """GET JSON from a service. Down: noted for the page's banner, never raised. Refused: returned as a problem;
    with `main=True` (the page's own subject) a 403/404 becomes the page's 403/404. A service already found down
    in this request is not asked again: a page of several calls waits for one timeout, not one per call."""
    known_down = g.get("unavailable", {}).get(service)
    if known_down is not None:
        return Fetched(service, unavailable=known_down)
    try:
        return Fetched(service, client(service).get(path, params=params))
    except UpstreamUnavailable as exc:
        _note_unavailable(service, exc.detail)
        return Fetched(service, unavailable=exc.detail)
    except UpstreamError as exc:
        problem = exc.extra.get("upstream") or {}
        if main:
            _raise_refusal(service, problem)
        return Fetched(service, problem=problem)


def forbid_refused(found: Fetched) -> Fetched:
    """The page's own subject refused: a 403/404 from the service becomes the page's; other refusals (a 422 for
    a filter typed wrong) stay data, for the page to show with the rest of the form."""
    if found.problem and found.problem.get("status") in (403, 404):
        _raise_refusal(found.service, found.problem)
    return found


def send(service: str, method: str, path: str, body: Any = None) -> Fetched:
    """A write (PUT/POST JSON). Never retried blindly unless the method is idempotent; errors come back as data."""
    try:
        return Fetched(service, client(service).request(method, path, json=body))
    except UpstreamUnavailable as exc:
        _note_unavailable(service, exc.detail)
        return Fetched(service, unavailable=exc.detail)
    except UpstreamError as exc:
        problem = exc.extra.get("upstream") or {}
        if problem.get("status") in (403, 404):
            _raise_refusal(service, problem)
        return Fetched(service, problem=problem)


def upload(service: str, path: str, content: bytes, filename: str, content_type: str) -> Fetched:
    """POST a file's bytes to a service (the services read a raw body), answered as data like send()."""
    settings = current_app.extensions["lantian.settings"]
    url = f"{settings.service_urls[service].rstrip('/')}{path}"
    headers = {"Authorization": f"Bearer {user_token()}", "Content-Type": content_type or "application/octet-stream",
               "Accept": "application/json"}
    try:
        response = requests.post(url, params={"filename": filename}, data=content, headers=headers,
                                 timeout=max(settings.http_timeout, 30))
    except requests.RequestException as exc:
        reason = f"the {service} service did not answer ({type(exc).__name__})"
        _note_unavailable(service, reason)
        return Fetched(service, unavailable=reason)
    if response.status_code >= 500:
        _note_unavailable(service, f"the {service} service answered {response.status_code}")
        return Fetched(service, unavailable=f"answered {response.status_code}")
    payload = _json(response)
    if response.status_code >= 400:
        return Fetched(service, problem=payload)
    return Fetched(service, data=payload)


def stream(service: str, path: str, params: Mapping[str, Any]) -> Response:
    """Pass a service's download (CSV/XLSX export) through to the browser without holding it in memory."""
    settings = current_app.extensions["lantian.settings"]
    url = f"{settings.service_urls[service].rstrip('/')}{path}"
    try:
        upstream = requests.get(url, params=params, headers={"Authorization": f"Bearer {user_token()}"},
                                timeout=max(settings.http_timeout, 30), stream=True)
    except requests.RequestException as exc:
        raise UpstreamUnavailable(f"the {service} service did not answer ({type(exc).__name__})",
                                  service=service) from exc
    if upstream.status_code >= 400:
        problem = _json(upstream)
        upstream.close()
        if upstream.status_code >= 500:
            raise UpstreamUnavailable(f"the {service} service answered {upstream.status_code}", service=service)
        _raise_refusal(service, problem)

    def body() -> Iterator[bytes]:
        try:
            yield from upstream.iter_content(64 * 1024)
        finally:
            upstream.close()

    headers = {name: upstream.headers[name] for name in _PASSED_HEADERS if name in upstream.headers}
    return Response(stream_with_context(body()), status=200, headers=headers)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        payload = {"detail": response.text[:500]}
    if not isinstance(payload, dict):
        payload = {"detail": str(payload)[:500]}
    payload.setdefault("status", response.status_code)
    return payload


def _raise_refusal(service: str, problem: dict[str, Any]) -> None:
    status = problem.get("status")
    detail = problem.get("detail") or f"the {service} service refused"
    if status == 403:
        raise Forbidden(detail)
    if status == 404:
        raise NotFound(detail)
    raise UpstreamError(detail, service=service, upstream=problem)
