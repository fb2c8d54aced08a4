"""Bearer tokens: 401 without or with a bad one, 403 for the wrong role, revocation honoured."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from shared.auth import encode_token
from shared.db import Database, utcnow
from shared.tokens import issue_token, list_tokens, revoke_token
from tests.conftest import TEST_SECRET, make_token

RULES = "/api/v1/policy-rules"


def _get(client, token: str | None, path: str = RULES):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(path, headers=headers)


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "unauthorized"),
        ("Basic dXNlcjpwYXNz", "unauthorized"),
        ("Bearer ", "unauthorized"),
        ("Bearer not.a.jwt", "unauthorized"),
        (f"Bearer {encode_token('another-key-0123456789abcdef0123456789', role='admin', name='x')}", "unauthorized"),
        (f"Bearer {make_token('admin', expires_in=timedelta(seconds=-1))}", "token-expired"),
    ],
    ids=["none", "basic", "empty-bearer", "garbage", "other-key", "expired"],
)
def test_requests_without_a_valid_token_are_401(client, header, code):
    response = client.get(RULES, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_health_ready_docs_and_metrics_need_no_token(client):
    for path in ("/health", "/ready", "/openapi.json", "/docs", "/metrics"):
        assert client.get(path).status_code == 200, path


def test_a_token_naming_an_unknown_role_is_401(client):
    import jwt

    forged = jwt.encode({"iss": "lantian", "jti": "j", "sub": "s", "role": "mayor", "iat": 0}, TEST_SECRET, "HS256")
    assert _get(client, forged).status_code == 401


def test_enterprise_and_gate_tokens_need_their_scope():
    with pytest.raises(ValueError, match="uscc"):
        encode_token(TEST_SECRET, role="enterprise", name="e")
    with pytest.raises(ValueError, match="site"):
        encode_token(TEST_SECRET, role="gate", name="g")


def test_a_revoked_token_is_refused_from_then_on(client, auth_database_url):
    auth = Database(auth_database_url)
    try:
        with auth.sessionmaker() as session, session.begin():
            record, token = issue_token(session, TEST_SECRET, role="police", name="officer 7")
        assert _get(client, token).status_code == 200
        with auth.sessionmaker() as session, session.begin():
            revoke_token(session, record.id, "phone lost")
        response = _get(client, token)
        assert response.status_code == 401
        assert response.get_json()["code"] == "token-revoked"
        with auth.sessionmaker() as session:
            assert record.id not in {t.id for t in list_tokens(session)}
            assert record.id in {t.id for t in list_tokens(session, include_revoked=True)}
    finally:
        auth.dispose()


def test_a_recorded_token_carries_its_expiry(auth_database_url):
    auth = Database(auth_database_url)
    try:
        with auth.sessionmaker() as session, session.begin():
            record, _ = issue_token(session, TEST_SECRET, role="police", name="p", expires_in=timedelta(days=2))
        assert timedelta(days=1) < record.expires_at - utcnow() <= timedelta(days=2)
    finally:
        auth.dispose()


def test_a_token_accepted_before_is_refused_once_it_has_expired(client, monkeypatch):
    token = make_token("admin", expires_in=timedelta(hours=1))
    assert _get(client, token).status_code == 200  # verified once; later requests reuse the verification
    two_hours_on = time.time() + 2 * 3600
    monkeypatch.setattr("shared.auth.time.time", lambda: two_hours_on)
    response = _get(client, token)
    assert response.status_code == 401
    assert response.get_json()["code"] == "token-expired"
