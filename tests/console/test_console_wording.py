"""Chinese pages say what the services answer in Chinese: refusals, ban reasons, plan citations and codes, never
the services' English or their internal addresses; the English interface keeps the service's own words."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from console.config import ConsoleSettings
from tests.conftest import RunningService, closed_port_url, make_token
from tests.console.conftest import csrf_token, log_in, logged_in, with_service
from tests.console.factories import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("db")
LEZ_MACHINE = "LF14100200003"  # the demo's 国二 machine in 尧都区, banned in the low-emission zone


@pytest.fixture(scope="module")
def config(config: ConsoleSettings, vehicles_demo: RunningService) -> ConsoleSettings:
    return with_service(config, vehicles_demo)


def _text(html: str) -> str:
    """The page's visible text (tags and attributes dropped), for checking what a person reads."""
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def _english(client, path: str) -> str:  # type: ignore[no-untyped-def]
    return client.get(f"/lang/en?next={path}", follow_redirects=True).get_data(as_text=True)


def test_a_refused_entry_is_said_in_chinese_with_the_field_label_and_the_services_words_only_in_english(app):
    client = logged_in(app, "environment", "wang.min")
    token = csrf_token(client.get("/environment/lists/new").get_data(as_text=True))
    form = {"csrf_token": token, "subject_type": "vehicle", "subject": "晋L88811", "plate_colour": "yellow",
            "list_kind": "blacklist", "reason_code": "obd_tampering", "authority": "临汾市生态环境局",
            "issued_by": "王敏", "effective_from": "2026-11-01", "until": "2026-10-01"}
    refused = client.post("/environment/lists/new", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    box = _text(re.search(r'<div class="problem".*?</div>', html, re.S).group(0))
    assert "提交的内容有误" in box and "截止日期" in box  # a Chinese sentence, the field by its label
    assert "2026-10-01 早于生效日期 2026-11-01" in box
    assert not re.search(r"\b(is|the|before|not valid)\b", box)  # none of vehicles' English detail

    client.get("/lang/en")  # the same refusal in the English interface
    html = client.post("/environment/lists/new", data=form).get_data(as_text=True)
    box = _text(re.search(r'<div class="problem".*?</div>', html, re.S).group(0))
    assert "until" in box and "is before effective_from" in box  # the service's own words


def test_a_string_that_is_no_plate_is_explained_in_chinese(app):
    client = logged_in(app, "police", "zhang.wei")
    text = _text(client.get("/police/check?q=" + "晋" + "1" * 30).get_data(as_text=True))
    assert "31 个字符不是号牌" in text and "号牌号码" in text
    assert "characters" not in text and "province abbreviation" not in text  # nor the plate check's English
    assert "characters is not a plate" in _text(_english(client, "/police/check?q=" + "晋" + "1" * 30))


def test_a_string_that_is_no_machinery_code_is_explained_in_chinese(app):
    client = logged_in(app, "police", "zhang.wei")
    text = _text(client.get("/police/check?q=AB1&kind=machine").get_data(as_text=True))
    assert "“AB1”不是规定格式的机械登记编码" in text
    assert "accepted format" not in text  # vehicles' English words stay for the English interface
    english = _text(_english(client, "/police/check?q=AB1%26kind=machine"))
    assert "is not a registration code in an accepted format" in english


def test_a_ban_reason_reads_in_chinese_with_its_plan_item_as_an_article(app):
    client = logged_in(app, "environment", "wang.min")
    html = client.get(f"/environment/machinery/{LEZ_MACHINE}").get_data(as_text=True)
    reason = _text(re.search(r'<li data-code="lez_below_stage">.*?</li>', html, re.S).group(0))
    assert "排放阶段国二低于该管控区的最低要求" in reason and "第16条" in reason and "管控区依据" in reason
    assert "item" not in reason and "nonroad_" not in reason and "zone" not in reason and "period" not in reason
    english = _english(client, f"/environment/machinery/{LEZ_MACHINE}")
    reason = _text(re.search(r'<li data-code="lez_below_stage">.*?</li>', english, re.S).group(0))
    assert "item 16" in reason and "below nonroad_3" in reason


def test_a_scrapped_trucks_ban_and_class_are_in_chinese(app):
    client = logged_in(app, "police", "zhang.wei")
    html = client.get("/police/check?q=晋L00012").get_data(as_text=True)
    reason = _text(re.search(r'<li data-code="scrapped">.*?</li>', html, re.S).group(0))
    assert "已报废" in reason and "登记状态：报废" in reason and "registry status" not in reason
    facts = _text(re.search(r'<dl class="facts".*?</dl>', html, re.S).group(0))
    assert re.search(r"车辆类型 (重型|中型|轻型)货车", facts)  # not N3
    assert not re.search(r"[a-z]{3,}", facts)  # no code left in English (body type, fuel, status ...)


@pytest.mark.parametrize("path", ["/environment/phaseout", "/environment/lists/new"])
def test_plan_citations_read_as_articles_in_chinese(app, path):
    client = logged_in(app, "environment", "wang.min")
    text = _text(client.get(path).get_data(as_text=True))
    assert re.search(r"第\d+条", text) and not re.search(r"\bitems? \d", text)
    assert re.search(r"\bitem \d+", _text(_english(client, path)))


def test_a_down_service_is_named_in_chinese_without_its_address(app, config):
    from console import create_app

    make_user(app, "environment", "wang.min")
    down = create_app(config.with_changes(service_urls={**config.service_urls,
                                                        "vehicles": closed_port_url()}))
    try:
        client = down.test_client()
        log_in(client, "wang.min", PASSWORD)
        html = client.get("/environment/nev").get_data(as_text=True)
        banner = _text(re.search(r'<div class="banner unavailable".*?</div>', html, re.S).group(0))
        assert "车辆服务暂不可用" in banner
        assert "127.0.0.1" not in html and "http://" not in _text(html) and "did not answer" not in html
    finally:
        down.extensions["lantian.db"].dispose()


def test_a_declarations_review_history_is_in_city_time(app, railshift_demo):
    client = logged_in(app, "transport", "li.qiang")
    declaration_id = re.search(r'<tr data-id="(\d+)"', client.get("/transport/reviews").get_data(as_text=True)).group(1)
    stored = requests.get(f"{railshift_demo.url}/api/v1/declarations/{declaration_id}", timeout=10,
                          headers={"Authorization": f"Bearer {make_token('transport')}"}).json()
    moment = datetime.fromisoformat(stored["transitions"][0]["at"].replace("Z", "+00:00"))
    history = _text(re.search(r'<ol id="history">.*?</ol>', client.get(
        f"/transport/declarations/{declaration_id}").get_data(as_text=True), re.S).group(0))
    assert moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") in history
    assert moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") not in history  # eight hours on from UTC


def test_an_account_refused_says_why_in_chinese(app):
    admin = logged_in(app, "admin", "root.admin")
    token = csrf_token(admin.get("/admin/users").get_data(as_text=True))
    refused = admin.post("/admin/users", data={"csrf_token": token, "username": "zhao.lei", "display_name": "赵雷",
                                               "role": "enterprise", "password": "short"})
    text = _text(refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert "至少 10 个字符" in text and "企业用户须填写本企业的统一社会信用代码" in text
    assert "at least" not in text and "needs its enterprise" not in text


def test_a_blacklisted_trucks_ban_is_its_chinese_label_only(app, vehicles_demo):
    from tests.console.test_console_police import demo_entry

    entry = demo_entry(vehicles_demo, "roadside_over_emission", seasonal=False)
    client = logged_in(app, "police", "zhang.wei")
    html = client.get(f"/police/check?q={entry['plate']}").get_data(as_text=True)
    reason = _text(re.search(r'<li data-code="blacklist">.*?</li>', html, re.S).group(0))
    assert entry["reason_zh"] in reason  # the Chinese label says it all; vehicles' English detail is left out
    assert entry["id"] not in reason and "entry" not in reason and "roadside" not in reason
