"""Browser walks for the tasks the first browser module leaves to Flask's test client: an enterprise uploads the
XLSX (a bad cell listed, then saved and submitted), the transport bureau approves it from the queue and reads the
non-compliant list, an admin resets a password, disables the account and reads it in the audit log. Against the
real railshift with its demo year (2026-07: a month no other test declares)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.console.conftest import shot
from tests.console.factories import DEMO_STEEL_USCC, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("db")]
MONTH = "2026-07"
HEADER = ["统一社会信用代码", "月份", "方向", "货物类别", "运输方式", "运量(吨)"]


def _xlsx(*rows: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in (HEADER, *rows):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(page, content: bytes) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("申报文件").set_input_files(
        {"name": "july.xlsx", "buffer": content,
         "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    page.get_by_role("button", name="上传").click()


def test_an_uploaded_month_is_submitted_then_approved_from_the_queue(app, page_for):
    make_user(app, "enterprise", "upload.steel", uscc=DEMO_STEEL_USCC, display_name="临汾示范钢铁 赵丽")
    make_user(app, "transport", "upload.transport", display_name="交通运输局 李强")
    steel = page_for("upload.steel")
    steel.get_by_role("link", name="上传申报表").click()
    _upload(steel, _xlsx([DEMO_STEEL_USCC, MONTH, "进厂", "煤炭", "铁路", 1000],
                         [DEMO_STEEL_USCC, MONTH, "进厂", "煤炭", "飞机", 500]))
    problem = steel.locator(".problem").inner_text()
    assert "运输方式" in problem and "飞机" in problem  # the bad cell: its field (by its label) and what was typed
    assert "须为下列之一：铁路、管道" in problem and "must be one of" not in problem  # why, in Chinese
    shot(steel, "enterprise-upload-refused")
    _upload(steel, _xlsx([DEMO_STEEL_USCC, MONTH, "进厂", "煤炭", "铁路", 1000],
                         [DEMO_STEEL_USCC, MONTH, "进厂", "铁矿石", "国六货车", 400]))
    steel.locator("#upload-ok").get_by_role("link", name=MONTH).click()
    steel.get_by_role("button", name="提交审核").click()
    assert "已提交" in steel.locator("#status").inner_text()

    transport = page_for("upload.transport")
    transport.locator("#queue tr", has_text=MONTH).get_by_role("link", name="审核").click()
    assert MONTH in transport.locator("h1").inner_text()
    transport.get_by_label("意见").fill("数据完整")
    transport.get_by_role("button", name="通过").click()
    expect(transport.locator("#queue tr", has_text=MONTH)).to_have_count(0)
    steel.reload()
    assert "审核通过" in steel.locator("#status").inner_text()

    transport.get_by_role("link", name="未达标企业").click()
    transport.get_by_label("月份").fill("2025-06")
    transport.get_by_label("区域代码").fill("141000")
    transport.keyboard.press("Enter")
    transport.wait_for_url(lambda url: "month=2025-06" in url)
    transport.wait_for_selector("#non-compliant tbody tr")
    assert "襄汾宏达有色金属有限公司" in transport.locator("#non-compliant tbody").inner_text()
    shot(transport, "transport-non-compliant")


def test_admin_resets_a_password_disables_the_account_and_reads_both_in_the_audit_log(app, page_for):
    make_user(app, "admin", "audit.admin", display_name="系统管理员")
    make_user(app, "police", "audit.police")
    admin = page_for("audit.admin")
    admin.get_by_role("link", name="用户管理").click()
    row = admin.locator('tr[data-username="audit.police"]')
    row.get_by_label("audit.police 的新密码").fill("a-new-password-42")
    row.get_by_role("button", name="重置密码").click()
    admin.locator('tr[data-username="audit.police"]').get_by_role("button", name="停用").click()
    assert "已停用" in admin.locator('tr[data-username="audit.police"]').inner_text()
    admin.get_by_role("link", name="审计日志").click()
    log = admin.locator("#audit tbody").inner_text()
    assert log.count("audit.police") >= 2  # the reset and the disabling, each with who did it
    shot(admin, "admin-audit")

    police = admin.context.browser.new_context(base_url=admin.url.split("/admin")[0], locale="zh-CN")
    try:
        page = police.new_page()
        page.goto("/login")
        page.get_by_label("用户名").fill("audit.police")
        page.get_by_label("密码").fill("a-new-password-42")
        page.keyboard.press("Enter")
        assert "/login" in page.url  # disabled: the new password opens nothing
    finally:
        police.close()
