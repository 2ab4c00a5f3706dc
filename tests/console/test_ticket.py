"""A ticket's page and its actions over HTTP: through the same services as chat, told to the
stewards and the owner as chat would, recorded under the person's name; bad input refused
with a clear page and nothing changed."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import aiohttp

from tests.console.conftest import Served, seed
from tests.console.test_signin import jar, sign_in

OWNERS, STEWARDS = "lxy-owners-1", "lxy-stewards"


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found
    return found.group(1)


async def page_of(client: aiohttp.ClientSession, served: Served, number: str) -> tuple[int, str]:
    async with client.get(f"{served.base}/console/ticket/{number}") as r:
        return r.status, await r.text()


async def act(
    client: aiohttp.ClientSession, served: Served, number: str, csrf: str, **form: str
) -> tuple[int, str]:
    async with client.post(f"{served.base}/console/ticket/{number}", data={"csrf": csrf, **form}) as r:
        return r.status, await r.text()


async def test_assign_note_and_resolve_from_the_console(console: Served) -> None:
    h = console.harness
    await h.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    [ticket] = await h.tickets()
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "li")
        status, page = await page_of(client, console, ticket.number)
        assert status == 200
        assert "水管" in page  # the owner's message in the timeline
        assert "plumbing" in page or "水电" in page or "管道" in page  # the classification
        csrf = csrf_of(page)

        assert '<dd id="assignee">王管家</dd>' in page  # intake's choice by the grid
        status, page = await act(client, console, ticket.number, csrf, action="assign", name="刘管家")
        assert status == 200, page
        assert "已完成：派单" in page
        assert '<dd id="assignee">刘管家</dd>' in page
        await h.app.sender.drain()
        assert any("已派给刘管家" in m.text for m in h.sent(STEWARDS))

        status, page = await act(client, console, ticket.number, csrf, action="note", text="师傅下午三点到")
        assert status == 200, page
        await h.app.sender.drain()
        assert any("师傅下午三点到" in m.text for m in h.sent(OWNERS))

        status, page = await act(client, console, ticket.number, csrf, action="resolve", text="换了阀门")
        assert status == 200, page
        await h.app.sender.drain()
        told = h.sent(OWNERS)[-1].text
        assert ticket.number in told
        assert "已处理完毕" in told
        assert "换了阀门" in told
    [ticket] = await h.tickets()
    assert ticket.status == "resolved"
    events = await h.events(ticket.id)
    async with h.app.runtime.reading() as uow:
        li = await uow.directory.steward_by_account(None, "local", "li")
    assert li is not None
    mine = [e.action for e in events if e.actor == f"steward:{li.id}"]
    # As in chat: a ticket that had an assignee is handed on ("transferred"), and a note on a
    # ticket not yet taken on takes it on first.
    assert mine == ["transferred", "accepted", "note", "resolved"]
    assert "李主管" in page  # the timeline names the person


async def test_cancel_needs_a_reason_and_a_supervisor(console: Served) -> None:
    h = console.harness
    await h.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    [ticket] = await h.tickets()
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "wang")  # a steward
        _, page = await page_of(client, console, ticket.number)
        assert 'id="form-cancel"' not in page
        assert 'id="form-assign"' not in page
        status, page = await act(client, console, ticket.number, csrf_of(page), action="cancel", text="x")
        assert status == 400
        assert "仅限" in page
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "li")
        _, page = await page_of(client, console, ticket.number)
        csrf = csrf_of(page)
        status, page = await act(client, console, ticket.number, csrf, action="cancel", text="  ")
        assert status == 400
        assert "原因" in page
        status, page = await act(client, console, ticket.number, csrf, action="cancel", text="业主已自行修好")
        assert status == 200
    [ticket] = await h.tickets()
    assert ticket.status == "cancelled"
    await h.app.sender.drain()
    assert "业主已自行修好" in h.sent(OWNERS)[-1].text


async def test_bad_input_is_a_clear_page_and_changes_nothing(console: Served) -> None:
    h = console.harness
    await h.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    [ticket] = await h.tickets()
    foreign = await seed(h, "hbhy", "BX-20261123-0099", share=0.5)
    events_before = len(await h.events(ticket.id))
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "li")
        _, page = await page_of(client, console, ticket.number)
        csrf = csrf_of(page)
        cases = [
            ({"action": "assign", "name": "王管家", "csrf": "f" * 64}, ticket.number, 403, "页面已过期"),
            ({"action": "drop-table"}, ticket.number, 400, "请求无效"),
            ({"action": "note", "text": "长" * 501}, ticket.number, 400, "过长"),
            ({"action": "assign", "name": "名" * 65}, ticket.number, 400, "过长"),
            ({"action": "assign", "name": "<b>无名氏</b>"}, ticket.number, 400, "&lt;b&gt;"),
            ({"action": "assign", "name": "王管家"}, "BX-20261123-9999", 404, "找不到"),
            ({"action": "assign", "name": "王管家"}, foreign.number, 404, "找不到"),
            ({"action": "assign", "name": "王管家"}, "BX-../etc/passwd", 404, "找不到"),
            ({"action": "note", "text": "x"}, "X" * 300, 404, "找不到"),
        ]
        for form, number, status, words in cases:
            data = {"csrf": csrf, **form}
            async with client.post(f"{console.base}/console/ticket/{number}", data=data) as r:
                text = await r.text()
                assert r.status == status, (form, number, text)
            assert words in text, (form, text)
            assert "Traceback" not in text
            assert "<b>无名氏" not in text
        # A form larger than the server takes (1 MB): a page, not a dropped connection.
        async with client.post(
            f"{console.base}/console/ticket/{ticket.number}",
            data=io.BytesIO(urlencode({"csrf": csrf, "action": "note", "text": "x" * (2 << 20)}).encode()),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as r:
            assert r.status == 413
            assert "过长" in await r.text()
    [now] = [t for t in await h.tickets() if t.id == ticket.id]
    assert (now.status, now.assignee_id) == (ticket.status, ticket.assignee_id)
    assert len(await h.events(ticket.id)) == events_before
