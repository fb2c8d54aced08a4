"""Real headless Chromium (Debian's, driven by Playwright) against the console and a real railshift.

Logs in as each role, does each task the pages exist for, reads what the page shows, edits URLs to try
another role's page or another enterprise's data, and saves screenshots under test-artifacts/console/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.console.conftest import shot
from tests.console.factories import DEMO_STEEL_USCC, demo_uscc, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("db")]

def test_transport_reviews_returns_with_a_reason_and_reads_the_ranking(app, page_for):
    make_user(app, "transport", "li.qiang", display_name="交通运输局 李强")
    page = page_for("li.qiang")
    assert page.locator("h1").inner_text() == "待审核申报"
    shot(page, "transport-reviews")
    row = page.locator("#queue tr", has_text="清徐美锦焦化有限公司")
    row.get_by_role("link", name="审核").click()
    assert "清徐美锦焦化有限公司 · 2025-12" in page.locator("h1").inner_text()
    shot(page, "transport-declaration")
    page.get_by_label("退回原因（每行一条，退回时必填）").fill("铁路运单缺失")
    page.get_by_role("button", name="退回").click()
    assert page.locator(".flash.ok").inner_text() == "已退回。"
    expect(page.locator("#queue tr", has_text="清徐美锦焦化有限公司")).to_have_count(0)

    page.goto("/transport/ranking?month=2025-06&area=141000")
    page.wait_for_selector("#chart svg")  # ECharts drew it, from the package's own copy (no internet here)
    first = page.locator("#ranking tbody tr").first.inner_text()
    assert first.startswith("1") and "曲沃晋南电力有限公司" in first
    shot(page, "transport-ranking")


def test_enterprise_reads_the_return_reason_then_fills_in_and_submits_a_month(app, page_for):
    make_user(app, "transport", "li.qiang")
    make_user(app, "enterprise", "tongmei", uscc=demo_uscc(9), display_name="原平同煤焦化 周红")
    make_user(app, "enterprise", "shifan", uscc=DEMO_STEEL_USCC, display_name="临汾示范钢铁 赵丽")
    reviewer = page_for("li.qiang")
    reviewer.locator("#queue tr", has_text="原平同煤焦化有限公司").get_by_role("link", name="审核").click()
    reviewer.get_by_label("退回原因（每行一条，退回时必填）").fill("焦炭出厂量与磅单不符")
    reviewer.get_by_role("button", name="退回").click()

    page = page_for("tongmei")
    page.get_by_label("月份", exact=True).fill("2025-12")  # the list's month filter
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#declarations tbody tr")).to_have_count(1)
    page.locator("#declarations tbody tr").get_by_role("link", name="查看").click()
    assert "已退回" in page.locator("#status").inner_text()
    assert "焦炭出厂量与磅单不符" in page.locator("#history").inner_text()
    shot(page, "enterprise-returned")

    page = page_for("shifan")
    page.goto("/enterprise/declarations")
    page.get_by_label("填写月份").fill("2026-04")
    page.get_by_role("button", name="填写申报").click()
    page.locator("#direction_0").select_option("inbound")
    page.locator("#goods_0").select_option("coal")
    page.locator("#mode_0").select_option("rail")
    page.locator("#tonnes_0").fill("52000.5")
    page.locator("#goods_1").select_option("coal")
    page.locator("#mode_1").select_option("new_energy_truck")
    page.locator("#tonnes_1").fill("8000")
    shot(page, "enterprise-draft")
    page.get_by_role("button", name="保存草稿").click()
    assert page.locator(".flash.ok").inner_text() == "草稿已保存。"
    assert "52000.5" in page.locator("#lines").inner_text()
    page.get_by_role("button", name="提交审核").click()
    assert "已提交" in page.locator("#status").inner_text()
    shot(page, "enterprise-submitted")


def test_url_editing_reaches_neither_another_roles_page_nor_another_enterprises_data(app, page_for, railshift_demo):
    import requests

    from tests.conftest import make_token

    make_user(app, "enterprise", "shifan", uscc=DEMO_STEEL_USCC)
    others = requests.get(f"{railshift_demo.url}/api/v1/declarations", timeout=10,
                          headers={"Authorization": f"Bearer {make_token('transport')}"},
                          params={"uscc": demo_uscc(10), "month": "2025-06"}).json()["items"]
    page = page_for("shifan")
    for path in ("/transport/reviews", "/admin/users", "/police/check", f"/transport/declarations/{others[0]['id']}"):
        response = page.goto(path)
        assert response.status == 403, path
        assert "该页面属于其他角色" in page.inner_text("main")
    response = page.goto(f"/enterprise/declarations/{others[0]['id']}")
    assert response.status == 403 and "太原小店铝业" not in page.content()
    shot(page, "enterprise-forbidden")


def test_police_check_on_a_phone_normalises_what_was_typed_and_names_the_missing_service(app, page_for):
    make_user(app, "police", "zhang.wei", display_name="交警 张伟")
    page = page_for("zhang.wei", phone=True)
    page.get_by_label("号牌号码").fill("晋ａ１２３４５")  # full-width, lower case, as a phone keyboard may give
    page.keyboard.press("Enter")
    page.wait_for_selector("#normalised")
    assert "晋A12345" in page.locator("#normalised").inner_text()
    expect(page.locator('.banner.unavailable[data-service="vehicles"]')).to_have_count(1)  # vehicles is down here
    shot(page, "police-check-phone")


def test_admin_creates_an_enterprise_user_and_the_environment_bureau_sees_its_dashboard(app, page_for):
    make_user(app, "admin", "root.admin", display_name="系统管理员")
    make_user(app, "environment", "wang.min", display_name="生态环境局 王敏")
    page = page_for("root.admin")
    page.get_by_label("用户名", exact=True).fill("new.enterprise")
    page.get_by_label("姓名", exact=True).fill("侯马华晋水泥 刘洋")
    page.get_by_label("初始密码").fill("a-long-initial-password")
    page.get_by_label("角色").select_option("enterprise")
    page.get_by_label("统一社会信用代码（企业用户必填）").fill(demo_uscc(2))
    page.get_by_role("button", name="创建").click()
    assert page.locator(".flash.ok").inner_text() == "已创建用户 new.enterprise。"
    assert demo_uscc(2) in page.locator('#users tr[data-username="new.enterprise"]').inner_text()
    shot(page, "admin-users")

    page = page_for("wang.min")
    page.goto("/environment/?to=2025-12")
    page.wait_for_selector("#chart svg")
    expect(page.locator("#trend tbody tr")).to_have_count(12)
    shot(page, "environment-overview")
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Environment overview"
