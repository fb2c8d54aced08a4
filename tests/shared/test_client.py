"""The service-to-service client: retries what is safe to retry, fails fast and clearly when a service is down."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from shared.auth import Role
from shared.client import ServiceClient, ServiceTokenSource
from shared.errors import UpstreamError, UpstreamUnavailable
from tests.conftest import TEST_SECRET, closed_port_url


class ScriptedUpstream(BaseHTTPRequestHandler):
    """Answers with the statuses queued in `script`, recording what it was sent."""

    script: ClassVar[list[int]] = []
    seen: ClassVar[list[tuple[str, str, dict[str, str]]]] = []

    def _answer(self) -> None:
        type(self).seen.append((self.command, self.path, dict(self.headers)))
        status = type(self).script.pop(0) if type(self).script else 200
        body = json.dumps({"status": status, "detail": f"scripted {status}"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[tuple[str, type[ScriptedUpstream]]]:
    handler = type("Handler", (ScriptedUpstream,), {"script": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _client(url: str, retries: int = 2, timeout: float = 2.0) -> ServiceClient:
    return ServiceClient("vehicles", url, ServiceTokenSource(TEST_SECRET, "reports"), timeout=timeout, retries=retries)


def test_a_get_is_retried_through_a_503_and_carries_a_service_token(upstream):
    url, handler = upstream
    handler.script = [503, 200]
    assert _client(url).get("/api/v1/things") == {"status": 200, "detail": "scripted 200"}
    assert len(handler.seen) == 2
    token = handler.seen[0][2]["Authorization"].removeprefix("Bearer ")
    from shared.auth import decode_token

    principal = decode_token(TEST_SECRET, token)
    assert (principal.role, principal.name) == (Role.SERVICE, "service:reports")


def test_a_plain_post_is_not_retried(upstream):
    url, handler = upstream
    handler.script = [503, 200]
    with pytest.raises(UpstreamUnavailable, match="answered 503"):
        _client(url).post("/api/v1/things", json={})
    assert len(handler.seen) == 1


def test_an_idempotent_post_is_retried(upstream):
    url, handler = upstream
    handler.script = [502, 201]
    assert _client(url).post("/api/v1/things", json={"event_id": "e1"}, idempotent=True)["status"] == 201
    assert len(handler.seen) == 2


def test_a_refusal_carries_the_upstream_problem(upstream):
    url, handler = upstream
    handler.script = [404]
    with pytest.raises(UpstreamError) as caught:
        _client(url).get("/api/v1/things/7")
    assert caught.value.extra["service"] == "vehicles"
    assert caught.value.extra["upstream"]["detail"] == "scripted 404"


def test_a_service_that_is_down_is_named_quickly():
    url = closed_port_url()
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as caught:
        _client(url, retries=1).get("/ready")
    assert time.monotonic() - started < 5
    assert caught.value.extra["service"] == "vehicles"
    assert "vehicles service did not answer" in caught.value.detail
    assert "connection refused" in caught.value.detail


def test_a_service_that_hangs_times_out():
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections, never answers
    try:
        started = time.monotonic()
        with pytest.raises(UpstreamUnavailable, match=r"no answer within 0.5 s"):
            _client(f"http://127.0.0.1:{listener.getsockname()[1]}", retries=0, timeout=0.5).get("/ready")
        assert time.monotonic() - started < 3
    finally:
        listener.close()
