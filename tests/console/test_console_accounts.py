"""Accounts: login, lockout, server-side sessions, CSRF, admin user management and its audit, role walls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from console import rules
from console.config import ConsoleSettings
from console.models import AuditEntry, LoginAttempt, User, UserSession
from shared.config import ConfigError
from tests.console.conftest import csrf_token, log_in
from tests.console.factories import DEMO_STEEL_USCC, PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("db")  # every console table is emptied after each test


def _rows(app, model):  # type: ignore[no-untyped-def]
    with app.extensions["lantian.db"].sessionmaker() as db_session:
        return list(db_session.scalars(select(model)))


def test_login_opens_the_role_home_and_logout_kills_the_old_cookie(app, client):
    make_user(app, "transport", "li.qiang")
    response = log_in(client, "LI.QIANG ", PASSWORD)  # any case, stray spaces: the same user
    assert response.status_code == 302 and response.headers["Location"] == "/transport/reviews"
    cookie = client.get_cookie("lantian_console").value
    page = client.get("/admin/audit")
    assert page.status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/transport/ranking").get_data(as_text=True))})
    assert _rows(app, UserSession) == [] or all(s.user_id is None for s in _rows(app, UserSession))
    client.set_cookie("lantian_console", cookie)  # replaying the cookie a thief copied opens nothing
    assert client.get("/transport/reviews").status_code == 302


def test_login_rotates_the_session_id(app, client):
    make_user(app, "police", "zhang.wei")
    client.get("/login")  # an anonymous session (it holds the form token)
    before = client.get_cookie("lantian_console").value
    log_in(client, "zhang.wei", PASSWORD)
    assert client.get_cookie("lantian_console").value != before


def test_anonymous_visits_write_no_session_rows_yet_the_login_form_still_works(app):
    make_user(app, "police", "zhang.wei")
    for _ in range(100):  # a flood of anonymous GETs, each a new visitor without a cookie
        page = app.test_client().get("/login")
        assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)
    assert _rows(app, UserSession) == []
    client = app.test_client()
    client.get("/lang/en")  # an anonymous visitor's choices live in the signed cookie too
    assert log_in(client, "zhang.wei", PASSWORD).status_code == 302
    rows = _rows(app, UserSession)
    assert len(rows) == 1 and rows[0].user_id is not None  # the first row is the logged-in session
    assert "Vehicle check" in client.get("/police/check").get_data(as_text=True)


def test_a_forged_anonymous_cookie_carries_no_form_token(app):
    make_user(app, "police", "zhang.wei")
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    forged = client.get_cookie("lantian_console").value[:-4] + "AAAA"
    client.set_cookie("lantian_console", forged)
    refused = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 400 and _rows(app, UserSession) == []


def test_the_third_failure_in_a_row_locks_even_the_right_password(app, client):
    make_user(app, "police", "wang.fang")
    assert log_in(client, "wang.fang", "wrong-1").status_code == 401
    assert log_in(client, "wang.fang", "wrong-2").status_code == 401
    assert log_in(client, "wang.fang", PASSWORD).status_code == 302  # two failures: not locked, and reset
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/police/check").get_data(as_text=True))})
    for attempt in ("wrong-a", "wrong-b", "wrong-c"):
        page = log_in(client, "wang.fang", attempt)
    assert "锁定" in page.get_data(as_text=True)
    refused = log_in(client, "wang.fang", PASSWORD)
    assert refused.status_code == 401 and "锁定" in refused.get_data(as_text=True)
    reasons = [a.reason for a in _rows(app, LoginAttempt) if a.username == "wang.fang"]
    assert reasons == ["bad_password", "bad_password", "ok", "bad_password", "bad_password", "bad_password", "locked"]
    assert [e.action for e in _rows(app, AuditEntry) if e.subject == "wang.fang"][-1] == "user.locked"


def test_lockout_rule_counts_in_a_row_and_locks_for_the_configured_time():
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert rules.after_failure(0, 3, 15, now) == (1, None)
    assert rules.after_failure(1, 3, 15, now) == (2, None)
    assert rules.after_failure(2, 3, 15, now) == (0, now + timedelta(minutes=15))
    locked_until = now + timedelta(minutes=15)
    assert rules.is_locked(locked_until, locked_until - timedelta(seconds=1))
    assert not rules.is_locked(locked_until, locked_until)  # unlocked exactly at the end


def test_unknown_user_and_wrong_password_get_the_same_answer(app, client):
    make_user(app, "police", "zhao.lei")
    unknown = log_in(client, "nobody.here", PASSWORD)
    wrong = log_in(client, "zhao.lei", "not-the-password")
    assert unknown.status_code == wrong.status_code == 401
    assert "用户名或密码错误" in unknown.get_data(as_text=True) and "用户名或密码错误" in wrong.get_data(as_text=True)


def test_disabling_a_user_ends_their_open_session_at_once(app):
    make_user(app, "admin", "root.admin")
    make_user(app, "environment", "wang.min")
    admin, victim = app.test_client(), app.test_client()
    log_in(admin, "root.admin", PASSWORD)
    log_in(victim, "wang.min", PASSWORD)
    assert victim.get("/environment/").status_code == 200
    user_id = next(u.id for u in _rows(app, User) if u.username == "wang.min")
    token = csrf_token(admin.get("/admin/users").get_data(as_text=True))
    admin.post(f"/admin/users/{user_id}/disable", data={"csrf_token": token})
    assert victim.get("/environment/").status_code == 302  # back to the login page, no grace period
    assert "已停用" in log_in(victim, "wang.min", PASSWORD).get_data(as_text=True)
    admin.post(f"/admin/users/{user_id}/disable", data={"csrf_token": token, "enable": "1"})
    assert log_in(victim, "wang.min", PASSWORD).status_code == 302


def test_a_form_without_its_token_changes_nothing(app, client):
    make_user(app, "admin", "root.admin")
    log_in(client, "root.admin", PASSWORD)
    response = client.post("/admin/users", data={"username": "sneaky", "display_name": "x", "role": "admin",
                                                  "password": "long-enough-password"})
    assert response.status_code == 400
    assert [u.username for u in _rows(app, User)] == ["root.admin"]


def test_admin_creates_users_and_bad_fields_are_named(app, client):
    make_user(app, "admin", "root.admin")
    log_in(client, "root.admin", PASSWORD)
    token = csrf_token(client.get("/admin/users").get_data(as_text=True))
    bad = client.post("/admin/users", data={"csrf_token": token, "username": "ab", "display_name": "企业甲",
                                            "role": "enterprise", "uscc": "91141002MADEM0000X", "password": "short"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="err-username"' in html and 'id="err-password"' in html and 'id="err-uscc"' in html
    good = client.post("/admin/users", data={"csrf_token": token, "username": "qiye.zhao", "display_name": "赵丽",
                                             "role": "enterprise", "uscc": DEMO_STEEL_USCC.lower(),
                                             "password": "a-long-password"})
    assert good.status_code == 302
    again = client.post("/admin/users", data={"csrf_token": token, "username": "QIYE.ZHAO", "display_name": "赵丽",
                                              "role": "police", "password": "a-long-password"})
    assert again.status_code == 409
    created = next(u for u in _rows(app, User) if u.username == "qiye.zhao")
    assert (created.role, created.uscc) == ("enterprise", DEMO_STEEL_USCC)


def test_every_admin_action_is_audited_with_who_and_what(app, client):
    make_user(app, "admin", "root.admin")
    log_in(client, "root.admin", PASSWORD)
    token = csrf_token(client.get("/admin/users").get_data(as_text=True))
    client.post("/admin/users", data={"csrf_token": token, "username": "li.na", "display_name": "李娜",
                                      "role": "transport", "password": "a-long-password"})
    user_id = next(u.id for u in _rows(app, User) if u.username == "li.na")
    client.post(f"/admin/users/{user_id}/password", data={"csrf_token": token, "password": "another-long-one"})
    client.post(f"/admin/users/{user_id}/disable", data={"csrf_token": token})
    client.post(f"/admin/users/{user_id}/disable", data={"csrf_token": token})  # again: nothing new happens
    entries = [(e.actor, e.action, e.subject) for e in _rows(app, AuditEntry) if e.subject == "li.na"]
    assert entries == [("root.admin", "user.created", "li.na"), ("root.admin", "user.password_reset", "li.na"),
                       ("root.admin", "user.disabled", "li.na")]
    page = client.get("/admin/audit").get_data(as_text=True)
    assert 'data-action="user.password_reset"' in page and "重置密码" in page
    assert "角色：交通运输局" in page and "role=transport" not in page  # codes in Chinese, not as stored
    # the time in Asia/Shanghai, not UTC: the newest row's stored instant shown eight hours on
    newest = max((e for e in _rows(app, AuditEntry) if e.subject == "li.na"), key=lambda e: e.id)
    at = newest.at if newest.at.tzinfo else newest.at.replace(tzinfo=UTC)
    assert at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") in page
    assert "UTC" not in page


def test_a_password_reset_logs_the_user_out_and_the_new_password_works(app):
    make_user(app, "admin", "root.admin")
    make_user(app, "police", "sun.li")
    admin, user = app.test_client(), app.test_client()
    log_in(admin, "root.admin", PASSWORD)
    log_in(user, "sun.li", PASSWORD)
    user_id = next(u.id for u in _rows(app, User) if u.username == "sun.li")
    token = csrf_token(admin.get("/admin/users").get_data(as_text=True))
    admin.post(f"/admin/users/{user_id}/password", data={"csrf_token": token, "password": "brand-new-secret"})
    assert user.get("/police/check").status_code == 302
    assert log_in(user, "sun.li", PASSWORD).status_code == 401
    assert log_in(user, "sun.li", "brand-new-secret").status_code == 302


@pytest.mark.parametrize(
    ("role", "forbidden"),
    [
        ("police", ["/admin/users", "/transport/reviews", "/enterprise/declarations", "/environment/"]),
        ("enterprise", ["/admin/audit", "/transport/reviews", "/transport/ranking", "/police/check"]),
        ("transport", ["/admin/users", "/enterprise/declarations", "/police/check", "/environment/"]),
        ("environment", ["/admin/users", "/transport/reviews", "/enterprise/declarations/upload"]),
    ],
)
def test_editing_the_url_never_reaches_another_roles_page(app, client, role, forbidden):
    extra = {"uscc": DEMO_STEEL_USCC} if role == "enterprise" else {}
    make_user(app, role, "someone", **extra)
    log_in(client, "someone", PASSWORD)
    for path in forbidden:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "该页面属于其他角色" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_login_and_back_but_never_off_site(app, client):
    make_user(app, "transport", "li.qiang")
    response = client.get("/transport/ranking?month=2025-06")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    token = csrf_token(client.get("/login").get_data(as_text=True))
    back = client.post("/login?next=/transport/ranking?month%3D2025-06",
                       data={"username": "li.qiang", "password": PASSWORD, "csrf_token": token})
    assert back.headers["Location"] == "/transport/ranking?month=2025-06"
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/transport/reviews").get_data(as_text=True))})
    token = csrf_token(client.get("/login").get_data(as_text=True))
    off_site = client.post("/login?next=//evil.example/x",
                           data={"username": "li.qiang", "password": PASSWORD, "csrf_token": token})
    assert off_site.headers["Location"] == "/transport/reviews"


def test_the_session_cookie_is_httponly_samesite_and_secure_outside_tests(app, config):
    from console import create_app

    make_user(app, "police", "zhou.jie")
    production_like = create_app(config.with_changes(testing=False))
    try:
        client = production_like.test_client()
        response = log_in(client, "zhou.jie", PASSWORD)
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
        stored = [s.id_hash for s in _rows(app, UserSession) if s.user_id is not None]
        assert cookie.split(";")[0].split("=", 1)[1] not in stored  # the table keeps only a hash of the id
    finally:
        production_like.extensions["lantian.db"].dispose()


def test_passwords_are_hashed_as_configured_and_production_refuses_a_weak_method(app, config):
    make_user(app, "police", "sun.li")
    assert next(u.password_hash for u in _rows(app, User) if u.username == "sun.li").startswith("scrypt:1024:8:1$")
    assert ConsoleSettings.from_env({}).password_hash_method == "scrypt:32768:8:1"  # werkzeug's default
    production = {"LANTIAN_ENV": "production", "LANTIAN_SECRET_KEY": "a-long-production-secret-" + "x" * 40}
    for method, field in (("scrypt:16384:8:1", "n must be >= 32768"),
                          ("pbkdf2:sha256:1000", "iterations must be >= 600000"), ("md5", "must be scrypt:N:r:p")):
        with pytest.raises(ConfigError, match=field):
            ConsoleSettings.from_env({**production, "LANTIAN_CONSOLE_PASSWORD_HASH": method})
    assert ConsoleSettings.from_env({**production, "LANTIAN_CONSOLE_PASSWORD_HASH": "pbkdf2:sha256:600000"})


def test_the_interface_switches_to_english(app, client):
    make_user(app, "transport", "li.qiang")
    log_in(client, "li.qiang", PASSWORD)
    assert "待审核申报" in client.get("/transport/reviews").get_data(as_text=True)
    page = client.get("/lang/en?next=/transport/reviews", follow_redirects=True).get_data(as_text=True)
    assert "Review queue" in page and "待审核申报" not in page
