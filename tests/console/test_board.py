"""The board over HTTP: a person sees their communities' open tickets only, late first, with
each one's SLA state, narrowed by the filters; bad filters are a clear page."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.console.board import board
from handlers.tickets import elapsed_share, phase_of
from storage.console.repository import BoardFilter
from tests.console.conftest import Served, seed
from tests.console.test_signin import jar, sign_in


def numbers(page: str) -> list[str]:
    return re.findall(r'data-number="([^"]+)"', page)


async def get_board(client: aiohttp.ClientSession, served: Served, query: str = "") -> tuple[int, str]:
    async with client.get(served.base + "/console/" + query) as r:
        return r.status, await r.text()


async def test_late_first_with_sla_states_and_only_the_persons_communities(console: Served) -> None:
    h = console.harness
    await seed(h, "lxy", "BX-20261123-0001", share=0.1, building="1")
    await seed(h, "lxy", "BX-20261123-0002", share=0.85, building="2")
    await seed(h, "lxy", "BX-20261123-0003", share=1.3, building="1")
    await seed(h, "lxy", "BX-20261123-0004", share=2.5, building="4")
    await seed(h, "hbhy", "BX-20261123-0005", share=3.0, building="A")
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "li")
        status, page = await get_board(client, console)
        assert status == 200
        assert numbers(page) == [
            "BX-20261123-0004",
            "BX-20261123-0003",
            "BX-20261123-0002",
            "BX-20261123-0001",
        ]
        assert "海濱花園" not in page
        assert 'data-count="open:double">1<' in page
        assert 'data-count="open:breached">1<' in page
        assert 'data-count="open:warn">1<' in page
        assert 'data-count="open:ok">1<' in page
        assert "共 4 张未完成工单" in page
        # Another community's id in the filter shows nothing of it.
        async with client.get(console.base + "/console/board?community=2") as r:
            fragment = await r.text()
        assert numbers(fragment) == []
        # Nor does its ticket's own page: answered as a ticket that does not exist.
        async with client.get(console.base + "/console/ticket/BX-20261123-0005") as r:
            assert r.status == 404
            assert "找不到" in await r.text()
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "cheung")
        status, page = await get_board(client, console)
        assert numbers(page) == ["BX-20261123-0005"]


async def test_filters(console: Served) -> None:
    h = console.harness
    await seed(h, "lxy", "BX-20261123-0011", share=0.2, building="1", assignee="王管家")
    await seed(h, "lxy", "BX-20261123-0012", share=0.3, building="4", category="electrical")
    await seed(h, "lxy", "BX-20261123-0013", share=0.4, building="1", priority="urgent", owner=False)
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "li")
        async with client.get(console.base + "/console/") as r:
            page = await r.text()
        wang = re.search(r'<option value="(\d+)"\s*>王管家</option>', page)
        assert wang, page
        cases = {
            "?building=1": ["BX-20261123-0013", "BX-20261123-0011"],
            "?category=electrical": ["BX-20261123-0012"],
            f"?steward={wang.group(1)}": ["BX-20261123-0011"],
            "?priority=urgent": ["BX-20261123-0013"],
            "?source=staff": ["BX-20261123-0013"],
            "?source=owner&building=1": ["BX-20261123-0011"],
            "?building=9": [],
        }
        for query, expected in cases.items():
            status, page = await get_board(client, console, query)
            assert status == 200, query
            assert numbers(page) == expected, query
        for bad in ("?steward=abc", "?priority=<b>", "?source=x", "?building=" + "9" * 100):
            status, page = await get_board(client, console, bad)
            assert status == 400, bad
            assert "请求无效" in page
            assert "<b>" not in page


async def test_markup_in_a_ticket_is_escaped(console: Served) -> None:
    h = console.harness
    await seed(h, "lxy", "BX-20261123-0021", share=0.5, summary='<script>alert("x")</script>漏水')
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "li")
        status, page = await get_board(client, console)
        assert status == 200
        assert '<script>alert("x")' not in page
        assert "&lt;script&gt;" in page
        async with client.get(console.base + "/console/ticket/BX-20261123-0021") as r:
            ticket_page = await r.text()
        assert "<script>alert" not in ticket_page
        assert "&lt;script&gt;" in ticket_page


async def test_the_boards_sla_share_is_the_sla_watchs(console: Served) -> None:
    """The board reads light rows (naive times on SQLite); each share must be what the SLA
    watch computes from the ticket itself, in either phase, in wall-clock and working time."""
    h = console.harness
    kinds = [
        ("repair", "plumbing", "normal"),
        ("repair", "plumbing", "urgent"),
        ("complaint", "neighbour", "normal"),  # counted in working hours
        ("complaint", "noise", "normal"),
    ]
    made = []
    for i, (kind, category, priority) in enumerate(kinds * 3):
        made.append(
            await seed(
                h,
                "lxy",
                f"TS-20261123-{i:04d}",
                share=0.3 + 0.37 * i,
                kind=kind,
                category=category,
                priority=priority,
                responded=i % 2 == 0,
                respond=0.25,
                status=("open", "in_progress", "reopened")[i % 3],
            )
        )
    app = h.app
    assert app.console is not None
    book = app.console.tickets.sla
    async with app.runtime.reading() as uow:
        person = await app.console.auth.person(uow, "local", "li")
        assert person is not None
        shown = await board(uow, app.console.tickets, person, BoardFilter(), h.clock.now())
        zone = ZoneInfo("Asia/Shanghai")
        expected = {}
        for ticket in made:
            stored = await uow.tickets.get(ticket.id)
            assert stored is not None
            expected[stored.number] = elapsed_share(book, stored, phase_of(stored), h.clock.now(), zone)
    got = {row.ticket.number: row.share for row in shown.rows}
    assert got.keys() == expected.keys()
    for number, share in expected.items():
        assert got[number] == pytest.approx(share), number
    assert [r.share for r in shown.rows] == sorted(got.values(), reverse=True)


async def test_the_opinion_page_lists_the_persons_alerts_by_tier(console: Served) -> None:
    h = console.harness
    await h.say("lxy-owners-1", "u-zhang", "物业太差劲了，电梯天天坏，我们要拉横幅维权", sender_name="张先生")
    await h.say("hbhy-owners", "u-ho", "物業太差勁了，電梯天天壞，我們要拉橫幅維權", sender_name="何先生")
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "li")
        async with client.get(console.base + "/console/opinion") as r:
            assert r.status == 200
            page = await r.text()
    assert len(re.findall(r'data-alert="\d+"', page)) == 1  # 绿溪园's only
    assert "2 级" in page
    assert "待跟进" in page
    assert "海濱花園" not in page
    assert "张先生" not in page  # no owner is named
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "cheung")
        async with client.get(console.base + "/console/opinion") as r:
            theirs = await r.text()
    assert len(re.findall(r'data-alert="\d+"', theirs)) == 1  # 海濱花園's, in its script
    assert "待跟進" in theirs
    assert "绿溪园" not in theirs
