"""The police check page against a real vehicles service with its demo city and demo list entries."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from console.config import ConsoleSettings
from tests.conftest import RunningService, make_token
from tests.console.conftest import log_in, logged_in, shot, with_service
from tests.console.factories import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(scope="module")
def config(config: ConsoleSettings, vehicles_demo: RunningService) -> ConsoleSettings:
    return with_service(config, vehicles_demo)


def demo_entry(vehicles_demo: RunningService, reason: str, seasonal: bool) -> dict[str, Any]:
    """A vehicle entry of the demo seed (read through the API, as any client would)."""
    items = requests.get(f"{vehicles_demo.url}/api/v1/list-entries", timeout=10,
                         headers={"Authorization": f"Bearer {make_token('environment')}"},
                         params={"reason_code": reason, "subject_type": "vehicle", "limit": 50}).json()["items"]
    return next(e for e in items if bool(e["seasonal_scope"]) == seasonal and e["lifted_at"] is None)


def _police(app):  # type: ignore[no-untyped-def]
    return logged_in(app, "police", "zhang.wei")


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(p|section|dl|div)>', html, re.S)
    assert match, f"no #{element_id} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_a_plate_typed_full_width_in_lower_case_is_found_with_its_facts_and_its_ban(app):
    client = _police(app)
    html = client.get("/police/check?q=晋ｌ０００１２").get_data(as_text=True)  # full width, lower case
    assert "<strong>晋L00012</strong>" in html
    facts = _text(html, "vehicle-1")
    assert "晋L00012" in facts and "柴油" in facts and "国二" in facts and "报废" in facts  # demo truck 12
    assert _text(html, "blacklisted") == "不在黑名单"
    assert _text(html, "banned") == "现在禁止通行"  # a scrapped vehicle on the road is banned
    assert 'data-code="scrapped"' in html and "已报废" in html


def test_a_blacklisted_truck_says_so_in_large_type_with_its_reason_in_chinese(app, vehicles_demo):
    entry = demo_entry(vehicles_demo, "roadside_over_emission", seasonal=False)
    client = _police(app)
    html = client.get(f"/police/check?q={entry['plate']}").get_data(as_text=True)
    assert _text(html, "blacklisted") == "黑名单车辆" and 'class="big bad" id="blacklisted"' in html
    assert _text(html, "banned") == "现在禁止通行"
    row = re.search(r'<tr data-reason="roadside_over_emission">(.*?)</tr>', html, re.S).group(1)
    assert entry["reason_zh"] in row and "黑名单" in row and entry["effective_from"] in row
    assert 'data-code="blacklist"' in html  # the ban reason, with its detail
    english = client.get(f"/lang/en?next=/police/check?q={entry['plate']}", follow_redirects=True)
    assert "BLACKLISTED vehicle" in english.get_data(as_text=True)  # English one click away


def test_a_misread_plate_gets_did_you_mean_links(app):
    html = _police(app).get("/police/check?q=晋L0001Z").get_data(as_text=True)  # Z read for 2
    assert 'id="not-found"' in html
    suggestions = _text(html, "suggestions")
    assert "晋L00012" in suggestions and "在册" in suggestions
    assert 'href="/police/check?q=%E6%99%8BL00012&amp;kind=plate"' in html


def test_a_string_that_is_no_plate_shows_the_services_reason(app):
    page = _police(app).get("/police/check?q=" + "晋" + "1" * 30)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="problem"' in html and "31 个字符不是号牌" in html


def test_a_machinery_code_is_asked_as_a_machine_and_the_answer_or_refusal_is_shown(app):
    html = _police(app).get("/police/check?q=ｅｘｃ２０２４００１２").get_data(as_text=True)
    assert "<strong>EXC20240012</strong>" in html  # normalised like a plate: full width, any case
    # vehicles answers machinery codes once its machinery registry is built; until then it refuses (422) and
    # the page shows the service's problem detail rather than a blank or a crash.
    assert 'id="machine-answer"' in html or 'class="problem"' in html
    if 'id="machine-answer"' in html:
        assert _text(html, "blacklisted") == "不在黑名单" and 'id="banned"' in html


def test_a_listed_machine_is_blacklisted_on_the_police_page(app, vehicles_demo):
    """The bureau lists a machine through its page; the police search finds it (once vehicles answers codes)."""
    from tests.console.conftest import csrf_token

    make_user(app, "environment", "wang.min")
    bureau = app.test_client()
    log_in(bureau, "wang.min", PASSWORD)
    form = csrf_token(bureau.get("/environment/lists/new").get_data(as_text=True))
    added = bureau.post("/environment/lists/new", data={
        "csrf_token": form, "subject_type": "machinery", "subject": "LD2024000777", "list_kind": "blacklist",
        "reason_code": "device_removed", "authority": "临汾市生态环境局", "issued_by": "王敏",
        "effective_from": "2026-01-01"})
    assert added.status_code == 302 and "code=LD2024000777" in added.headers["Location"]
    html = _police(app).get("/police/check?q=ld2024000777").get_data(as_text=True)
    if 'class="problem"' in html:  # a vehicles without machinery checks: its refusal is on the page
        return
    assert _text(html, "blacklisted") == "黑名单机械"
    assert 'data-reason="device_removed"' in html


def test_the_page_says_vehicles_is_down_and_still_normalises(app, config):
    from console import create_app

    make_user(app, "police", "zhang.wei")
    down = create_app(config.with_changes(service_urls={**config.service_urls, "vehicles": "http://127.0.0.1:9"}))
    try:
        client = down.test_client()
        log_in(client, "zhang.wei", PASSWORD)
        html = client.get("/police/check?q=晋l12345").get_data(as_text=True)
        assert 'data-service="vehicles"' in html and "<strong>晋L12345</strong>" in html
    finally:
        down.extensions["lantian.db"].dispose()


@pytest.mark.e2e
def test_a_blacklisted_truck_on_a_phone(app, page_for, vehicles_demo):
    entry = demo_entry(vehicles_demo, "obd_tampering", seasonal=True)
    make_user(app, "police", "zhang.wei", display_name="交警 张伟")
    page = page_for("zhang.wei", phone=True)
    page.get_by_label("号牌号码或机械编码").fill(entry["plate"].lower())
    page.keyboard.press("Enter")
    page.wait_for_selector("#verdict")
    assert page.locator("#blacklisted").inner_text() == "黑名单车辆"
    assert entry["reason_zh"] in page.locator("#subject-1").inner_text()
    font = page.locator("#blacklisted").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert font >= 28  # large type, readable at arm's length
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    shot(page, "police-check-blacklisted-phone")
    page.get_by_label("号牌号码或机械编码").fill("晋L0001Z")
    page.keyboard.press("Enter")
    page.locator("#suggestions").get_by_role("link", name="晋L00012").click()
    assert "晋L00012" in page.locator("#normalised").inner_text()
    assert page.locator("#banned").inner_text() == "现在禁止通行"
    shot(page, "police-check-suggestion-phone")


@pytest.mark.e2e
def test_a_machine_code_in_the_same_box(app, page_for):
    make_user(app, "police", "zhang.wei", display_name="交警 张伟")
    page = page_for("zhang.wei", phone=True)
    page.get_by_label("号牌号码或机械编码").fill("exc 2024 0012")
    page.get_by_label("机械在施工工地发现").check()
    page.keyboard.press("Enter")
    page.wait_for_selector("#normalised")
    assert "EXC20240012" in page.locator("#normalised").inner_text()
    expect(page.locator("#machine-answer, .problem").first).to_be_attached()
    shot(page, "police-check-machine-phone")
