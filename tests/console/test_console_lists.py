"""Blacklist pages against a real vehicles service (demo city and demo entries): list, add, lift, history;
police are kept out, an enterprise sees only the entries about itself."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from console.config import ConsoleSettings
from tests.conftest import RunningService
from tests.console.conftest import csrf_token, logged_in, service_api, shot, with_service
from tests.console.factories import make_user

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(scope="module")
def config(config: ConsoleSettings, vehicles_demo: RunningService) -> ConsoleSettings:
    return with_service(config, vehicles_demo)


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-entry="[^"]+"[^>]*>(.*?)</tr>', html, re.S)


def _add_form(client, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/environment/lists/new").get_data(as_text=True))
    form = {"csrf_token": token, "subject_type": "vehicle", "plate_colour": "yellow", "list_kind": "blacklist",
            "reason_code": "obd_tampering", "evidence": "路检-2026-0042\n照片-7781", "authority": "临汾市生态环境局",
            "issued_by": "王敏", "effective_from": "2026-11-01", **fields}
    return client.post("/environment/lists/new", data=form)


def test_entries_filtered_by_reason_and_list_kind_show_the_chinese_reason(app, vehicles_demo):
    client = logged_in(app, "environment", "wang.min")
    html = client.get("/environment/lists?list_kind=blacklist&reason_code=obd_tampering").get_data(as_text=True)
    rows = _rows(html)
    expected = service_api(vehicles_demo, "/list-entries", list_kind="blacklist", reason_code="obd_tampering")["items"]
    assert len(rows) == len(expected) >= 1
    assert all("OBD" in row or "车载诊断" in row for row in rows)
    assert all("黑名单" in row for row in rows)
    # the add form offers exactly the reason codes vehicles allows, each with its source document
    form = client.get("/environment/lists/new").get_data(as_text=True)
    offered = re.findall(r'<option value="(\w+)" data-lists=', form)
    assert offered == [r["code"] for r in service_api(vehicles_demo, "/list-entries/reasons")]


def test_add_then_lift_with_a_reason_and_read_the_subjects_history(app):
    client = logged_in(app, "environment", "wang.min")
    added = _add_form(client, subject="晋l 88801", season="autumn_winter")
    assert added.status_code == 302 and "/environment/lists/history?plate=" in added.headers["Location"]
    history = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "已列入名单：" in history and "晋L88801" in history
    entry_id = re.search(r'id="entry-([^"]+)" data-lifted="no"', history).group(1)
    assert "路检-2026-0042" in history and 'data-kind="added"' in history and "10-01 – 03-31" in history
    lifted = client.post(f"/environment/lists/{entry_id}/lift",
                         data={"reason": "复检合格，已修复 OBD", "csrf_token": csrf_token(history)})
    assert lifted.status_code == 302
    after = client.get(lifted.headers["Location"]).get_data(as_text=True)
    assert "已解除。" in after and f'id="entry-{entry_id}" data-lifted="yes"' in after
    assert re.search(r'data-kind="lifted">[^<]*复检合格，已修复 OBD', after)
    listed = client.get("/environment/lists?subject_type=vehicle&subject=晋L88801&state=lifted").get_data(as_text=True)
    assert len(_rows(listed)) == 1 and "复检合格" in listed


def test_a_lift_without_reason_or_a_bad_entry_changes_nothing_and_says_why(app):
    client = logged_in(app, "environment", "wang.min")
    page = client.get("/environment/lists?state=active").get_data(as_text=True)
    entry_id = re.search(r'<tr data-entry="([^"]+)"', page).group(1)
    refused = client.post(f"/environment/lists/{entry_id}/lift", data={"reason": " ", "csrf_token": csrf_token(page)},
                          follow_redirects=True).get_data(as_text=True)
    assert "解除名单须填写原因。" in refused
    assert f'<tr data-entry="{entry_id}"' in client.get("/environment/lists?state=active").get_data(as_text=True)


def test_a_bad_entry_is_refused_with_the_field_named_and_the_form_kept(app):
    client = logged_in(app, "environment", "wang.min")
    page = _add_form(client, subject="晋L88802", effective_from="2026-11-01", until="2026-10-01")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and 'class="problem"' in html and "until" in html
    assert 'value="晋L88802"' in html  # what was typed is still there
    wrong_list = _add_form(client, subject="晋L88803", list_kind="blacklist", reason_code="no_online_monitoring")
    assert wrong_list.status_code == 422  # that reason allows key supervision only


def test_police_and_transport_cannot_reach_the_list_pages(app):
    for role, name in (("police", "zhang.wei"), ("transport", "li.qiang")):
        client = logged_in(app, role, name)
        for path in ("/environment/lists", "/environment/lists/new", "/environment/lists/history?plate=晋L00012"):
            assert client.get(path).status_code == 403, (role, path)
        token = csrf_token(client.get("/reports/monthly").get_data(as_text=True))
        assert client.post("/environment/lists/x/lift", data={"reason": "x", "csrf_token": token}).status_code == 403


def test_an_enterprise_sees_only_its_own_entries(app, vehicles_demo):
    listed = service_api(vehicles_demo, "/list-entries", subject_type="enterprise", reason_code="fleet_over_emission")
    uscc = listed["items"][0]["subject_key"]
    own = logged_in(app, "enterprise", "fleet", uscc=uscc)
    html = own.get("/enterprise/list-entries").get_data(as_text=True)
    assert uscc in html and any("重点监管" in row for row in _rows(html))
    history = own.get(f"/enterprise/list-entries/history?uscc={uscc}").get_data(as_text=True)
    assert 'data-kind="added"' in history
    assert own.get("/environment/lists").status_code == 403

    other = logged_in(app, "enterprise", "other", uscc="91141002MADEM0000E")
    html = other.get("/enterprise/list-entries").get_data(as_text=True)
    assert uscc not in html
    edited = other.get(f"/enterprise/list-entries/history?uscc={uscc}")  # the URL edited to the other's code
    assert edited.status_code in (403, 404) or 'id="no-entries"' in edited.get_data(as_text=True)
    assert "DEMO-FLEET-2025" not in edited.get_data(as_text=True)


@pytest.mark.e2e
def test_the_bureau_lists_a_truck_and_lifts_it_in_a_browser(app, page_for):
    make_user(app, "environment", "wang.min", display_name="生态环境局 王敏")
    page = page_for("wang.min")
    page.get_by_role("link", name="黑名单").click()
    page.get_by_label("名单", exact=True).select_option("blacklist")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#entries tbody tr").first).to_be_attached()
    shot(page, "lists-entries")
    page.get_by_role("link", name="新增名单记录").click()
    page.get_by_label("号牌 / 机械编码 / 信用代码").fill("晋L88804")
    page.get_by_label("号牌颜色（机动车必填）").select_option("yellow")
    page.get_by_label("原因").select_option("device_removed")
    page.get_by_label("证据（每行一条：案件编号、检测报告编号、照片编号）").fill("案-2026-118")
    page.get_by_label("季节性范围").select_option("autumn_winter")
    shot(page, "lists-add")
    page.get_by_role("button", name="列入名单").click()
    assert "已列入名单" in page.locator(".flash.ok").inner_text()
    page.locator(".history-entry").get_by_label("解除原因").fill("误录，撤销")
    page.locator(".history-entry").get_by_role("button", name="解除").click()
    assert page.locator(".flash.ok").inner_text() == "已解除。"
    assert "误录，撤销" in page.locator('.events li[data-kind="lifted"]').inner_text()
    shot(page, "lists-history")
