"""The web console in a real browser (Debian's Chromium, driven by Playwright; see
tests/console/browser.py): signing in by link, a reused or expired link, a supervisor kept
to their community, filtering the board, assigning and resolving with the owner told in the
chat (the local channel), the board refreshing itself, and bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from playwright.async_api import Browser, Page, expect

from tests.console.browser import chromium
from tests.console.conftest import Served, on, seed

pytestmark = pytest.mark.slow

OWNERS, STEWARDS = "lxy-owners-1", "lxy-stewards"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async for launched in chromium():
        yield launched


async def signed_in(browser: Browser, console: Served, user: str) -> Page:
    """A fresh browser context signed in as `user` through a link, on the board."""
    page = await (await browser.new_context()).new_page()
    await page.goto(on(console, await console.link(user)))
    await page.click("#signin")
    await expect(page.locator("h1")).to_have_text(["工单看板", "工單看板"][user in ("cheung", "ho")])
    return page


async def test_login_by_link_and_a_reused_or_expired_link_refused(browser: Browser, console: Served) -> None:
    h = console.harness
    await h.say("li-private", "li", "/console", private=True)
    link = h.sent("li-private")[-1].text.split("\n")[-1]
    page = await (await browser.new_context()).new_page()
    await page.goto(on(console, link))
    await page.click("#signin")
    await expect(page.locator("h1")).to_have_text("工单看板")
    await expect(page.locator("header .who")).to_contain_text("李主管")
    [cookie] = await page.context.cookies()
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert await page.evaluate("document.cookie") == ""  # the script cannot read it

    again = await (await browser.new_context()).new_page()
    await again.goto(on(console, link))
    await again.click("#signin")
    await expect(again.locator(".error .message")).to_contain_text("登录链接无效、已使用或已过期")
    await again.goto(console.base + "/console/")
    await expect(again.locator(".error .message")).to_contain_text("请先登录")

    late = on(console, await console.link("li"))
    h.clock.advance(timedelta(minutes=11))
    expired = await (await browser.new_context()).new_page()
    await expired.goto(late)
    await expired.click("#signin")
    await expect(expired.locator(".error .message")).to_contain_text("已过期")

    # Logging out ends it: back is the sign-in page.
    h.clock.advance(timedelta(minutes=-11))
    await page.click("header button.link")
    await expect(page.locator(".message")).to_have_text("您已退出登录。")
    await page.goto(console.base + "/console/")
    await expect(page.locator(".error .message")).to_contain_text("请先登录")


async def test_a_supervisor_sees_only_their_community(browser: Browser, console: Served) -> None:
    h = console.harness
    await seed(h, "lxy", "BX-20261123-0001", share=0.5, building="1")
    await seed(h, "hbhy", "BX-20261123-0002", share=2.5, building="A", summary="海濱花園的單")
    page = await signed_in(browser, console, "li")
    await expect(page.locator("li.ticket")).to_have_count(1)
    await expect(page.locator("li.ticket .number")).to_have_text("BX-20261123-0001")
    assert "海濱花園" not in await page.content()
    await page.goto(console.base + "/console/ticket/BX-20261123-0002")
    await expect(page.locator(".error .message")).to_have_text("找不到该页面或工单。")
    assert "海濱花園的單" not in await page.content()

    other = await signed_in(browser, console, "cheung")
    await expect(other.locator("li.ticket .number")).to_have_text(["BX-20261123-0002"])
    await other.goto(console.base + "/console/ticket/BX-20261123-0001")
    await expect(other.locator(".error .message")).to_contain_text("找不到")


async def test_filtering_the_board(browser: Browser, console: Served) -> None:
    h = console.harness
    await seed(h, "lxy", "BX-20261123-0011", share=0.2, building="1", assignee="王管家")
    await seed(h, "lxy", "BX-20261123-0012", share=1.5, building="4", category="electrical")
    await seed(h, "lxy", "BX-20261123-0013", share=0.9, building="1", priority="urgent", owner=False)
    page = await signed_in(browser, console, "li")
    numbers = page.locator("li.ticket .number")
    # Late first: breached, then at 80 %, then on time.
    await expect(numbers).to_have_text(["BX-20261123-0012", "BX-20261123-0013", "BX-20261123-0011"])
    await expect(page.locator("li.ticket").first).to_have_class("ticket sla-breached")
    await page.select_option("select[name=building]", "1")
    await page.click("#apply")
    await expect(numbers).to_have_text(["BX-20261123-0013", "BX-20261123-0011"])
    await page.select_option("select[name=source]", "staff")
    await page.click("#apply")
    await expect(numbers).to_have_text(["BX-20261123-0013"])
    await page.select_option("select[name=building]", "")
    await page.select_option("select[name=source]", "")
    await page.select_option("select[name=steward]", label="王管家")
    await page.click("#apply")
    await expect(numbers).to_have_text(["BX-20261123-0011"])


async def test_the_board_refreshes_itself(browser: Browser, console: Served) -> None:
    h = console.harness
    await seed(h, "lxy", "BX-20261123-0021", share=0.1)
    page = await (await browser.new_context()).new_page()
    await page.clock.install()
    await page.goto(on(console, await console.link("li")))
    await page.click("#signin")
    await expect(page.locator("li.ticket")).to_have_count(1)
    await h.say(OWNERS, "u-zhang", "3栋电梯坏了，困在里面了")  # a new ticket, from the chat
    await page.clock.run_for(16_000)
    await expect(page.locator("li.ticket")).to_have_count(2)
    assert page.url.endswith("/console/")  # no reload, no navigation


async def test_assigning_and_resolving_with_the_owner_told(browser: Browser, console: Served) -> None:
    h = console.harness
    await h.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    [ticket] = await h.tickets()
    page = await signed_in(browser, console, "li")
    await page.click(f"li.ticket[data-number='{ticket.number}'] a")
    await expect(page.locator("h1")).to_contain_text(ticket.number)
    await page.select_option("#form-assign select[name=name]", "刘管家")
    await page.click("#form-assign button")
    await expect(page.locator("#done")).to_have_text("已完成：派单")
    await expect(page.locator("#assignee")).to_have_text("刘管家")
    await page.fill("#form-resolve textarea", "换了阀门")
    await page.click("#form-resolve button")
    await expect(page.locator("#done")).to_have_text("已完成：标记已解决")
    await expect(page.locator("#timeline")).to_contain_text("李主管")
    await h.app.sender.drain()
    assert any("已派给刘管家" in m.text for m in h.sent(STEWARDS))
    told = h.sent(OWNERS)[-1]
    assert ticket.number in told.text
    assert "换了阀门" in told.text
    assert told.out.buttons  # the rating buttons, as chat sends them


async def test_bad_input_gets_a_clear_page(browser: Browser, console: Served) -> None:
    h = console.harness
    await seed(h, "lxy", "BX-20261123-0031", share=0.5, summary='<img src=x onerror="document.title=1">漏水')
    page = await signed_in(browser, console, "li")
    await expect(page.locator("li.ticket .summary-text")).to_contain_text("<img src=x")
    await expect(page.locator("main img")).to_have_count(0)
    await page.goto(console.base + "/console/ticket/BX-20261123-0031")
    await expect(page.locator("main img")).to_have_count(0)
    assert await page.title() != "1"

    # A forged CSRF token.
    await page.evaluate("document.querySelector('#form-note input[name=csrf]').value = 'f'.repeat(64)")
    await page.fill("#form-note textarea", "进度")
    await page.click("#form-note button")
    await expect(page.locator(".error .message")).to_contain_text("页面已过期或请求来源不明")

    # An oversized field, the browser's own limit taken away.
    await page.goto(console.base + "/console/ticket/BX-20261123-0031")
    await page.evaluate("document.querySelector('#form-note textarea').removeAttribute('maxlength')")
    await page.fill("#form-note textarea", "长" * 600)
    await page.click("#form-note button")
    await expect(page.locator(".error .message")).to_contain_text("输入内容过长")

    # A ticket that does not exist.
    await page.goto(console.base + "/console/ticket/BX-20990101-0001")
    await expect(page.locator(".error .message")).to_have_text("找不到该页面或工单。")

    # A tampered cookie.
    [cookie] = await page.context.cookies()
    await page.context.add_cookies(
        [{"name": cookie["name"], "value": cookie["value"][::-1], "domain": "127.0.0.1", "path": "/console"}]
    )
    assert len(await page.context.cookies()) == 1  # replaced, not added
    await page.goto(console.base + "/console/")
    await expect(page.locator(".error .message")).to_contain_text("请先登录")
    assert "Traceback" not in await page.content()
    events = await h.events((await h.tickets())[0].id)
    assert [e.action for e in events] == []  # nothing was recorded on the ticket
