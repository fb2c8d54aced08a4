"""The one HTTP client services use to call each other: timeouts, retries, service token, clear errors."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import requests
import urllib3
from flask import current_app, g, has_request_context
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from shared.auth import Role, encode_token
from shared.errors import UpstreamError, UpstreamUnavailable

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = (502, 503, 504)
SERVICE_TOKEN_LIFETIME = timedelta(minutes=10)


class ServiceTokenSource:
    """Short-lived service tokens minted with the shared key, renewed well before they expire."""

    def __init__(self, secret_key: str, caller: str) -> None:
        self.secret_key = secret_key
        self.caller = caller
        self._token = ""
        self._renew_at = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if time.monotonic() >= self._renew_at:
                self._token = encode_token(
                    self.secret_key, role=Role.SERVICE, name=f"service:{self.caller}", expires_in=SERVICE_TOKEN_LIFETIME
                )
                self._renew_at = time.monotonic() + SERVICE_TOKEN_LIFETIME.total_seconds() / 2
            return self._token


def _session(retries: int, methods: frozenset[str]) -> requests.Session:
    """A connection pool that retries `methods` with backoff on connection errors and 502/503/504."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=0.2,
        backoff_max=2.0,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=methods,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    http = requests.Session()
    adapter = HTTPAdapter(max_retries=retry if retries else 0)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


class ServiceClient:
    """Calls one other lantian service. Idempotent calls are retried with backoff; others are not."""

    def __init__(
        self,
        service: str,
        base_url: str,
        token: Callable[[], str],
        *,
        timeout: float = 10.0,
        retries: int = 3,
    ) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._retrying = _session(retries, IDEMPOTENT_METHODS)
        self._retrying_post = _session(retries, IDEMPOTENT_METHODS | {"POST"})
        self._once = _session(0, IDEMPOTENT_METHODS)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET a JSON document."""
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any, *, idempotent: bool = False) -> Any:
        """POST JSON; retried only when the caller says the endpoint is idempotent (e.g. keyed by event id)."""
        return self.request("POST", path, json=json, idempotent=idempotent)

    def request(self, method: str, path: str, *, idempotent: bool | None = None, **kwargs: Any) -> Any:
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        http = self._once
        if idempotent:
            http = self._retrying_post if method == "POST" else self._retrying
        url = f"{self.base_url}{path}"
        headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}
        if has_request_context() and g.get("request_id"):
            headers["X-Request-ID"] = g.request_id
        try:
            response = http.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            reason = failure_reason(exc, self.timeout)
            logger.warning("call to %s failed", self.service, extra={"url": url, "reason": reason})
            raise UpstreamUnavailable(
                f"the {self.service} service did not answer at {self.base_url} ({reason})",
                service=self.service,
                headers={"Retry-After": "30"},
            ) from exc
        if response.status_code >= 500:
            raise UpstreamUnavailable(
                f"the {self.service} service answered {response.status_code} for {method} {path}",
                service=self.service,
                headers={"Retry-After": "30"},
            )
        if response.status_code >= 400:
            raise UpstreamError(
                f"the {self.service} service refused {method} {path} with {response.status_code}",
                service=self.service,
                upstream=_problem(response),
            )
        if response.status_code == 204 or not response.content:
            return None
        return response.json()


def failure_reason(exc: requests.RequestException, timeout: float) -> str:
    """What an operator should read for a call that got no answer: refused, silent past the timeout, or else."""
    last = exc.args[0] if exc.args else None
    last = getattr(last, "reason", last)  # urllib3's MaxRetryError carries the last attempt's error
    if isinstance(last, urllib3.exceptions.NewConnectionError):
        return "connection refused: is it running?"
    if isinstance(exc, requests.Timeout) or isinstance(last, urllib3.exceptions.TimeoutError):
        return f"no answer within {timeout:g} s"
    return type(exc).__name__


def _problem(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"status": response.status_code, "detail": response.text[:500]}


def service_client(service: str) -> ServiceClient:
    """The current app's client for another service, configured from its settings."""
    clients: dict[str, ServiceClient] = current_app.extensions.setdefault("lantian.clients", {})
    if service not in clients:
        settings = current_app.extensions["lantian.settings"]
        tokens = current_app.extensions.setdefault(
            "lantian.service_token", ServiceTokenSource(settings.secret_key, settings.service)
        )
        clients[service] = ServiceClient(
            service,
            settings.service_urls[service],
            tokens,
            timeout=settings.http_timeout,
            retries=settings.http_retries,
        )
    return clients[service]
