"""Getting into the web console: `/console` in a private chat, the signed single-use link,
the session cookie, CSRF, logging out (over HTTP, without a browser; the browser tests are
in test_browser.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import aiohttp

from tests.console.conftest import Served, on

LINK = re.compile(r"https?://\S+/console/login\?t=\S+")


async def sign_in(served: Served, client: aiohttp.ClientSession, user: str) -> None:
    url = on(served, await served.link(user))
    token = url.split("t=", 1)[1]
    async with client.post(served.base + "/console/login", data={"t": token}) as response:
        assert response.status == 200, await response.text()
        assert 'id="board"' in await response.text()


def jar() -> aiohttp.CookieJar:
    return aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1


async def test_console_in_a_private_chat_gives_a_link_that_opens_a_session(console: Served) -> None:
    h = console.harness
    await h.say("li-private", "li", "/console", private=True)
    said = h.sent("li-private")[-1].text
    found = LINK.search(said)
    assert found, said
    assert "10 分钟" in said
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        # Opening the link shows a button: a link preview that fetches it uses nothing.
        async with client.get(on(console, found.group(0))) as response:
            assert response.status == 200
            page = await response.text()
        token = re.search(r'name="t" value="([^"]+)"', page)
        assert token
        async with client.post(
            console.base + "/console/login", data={"t": token.group(1)}, allow_redirects=False
        ) as response:
            assert response.status == 303
            cookie = response.headers["Set-Cookie"]
            assert "HttpOnly" in cookie
            assert "SameSite=Strict" in cookie
            assert "Path=/console" in cookie
            assert "Max-Age=43200" in cookie
            assert "Secure" not in cookie  # the console URL is http here
        async with client.get(console.base + "/console/") as response:
            assert response.status == 200
            page = await response.text()
        assert "李主管" in page
        assert "主管" in page
        # The same link again: refused, with a clear page.
        async with (
            aiohttp.ClientSession() as other,
            other.post(console.base + "/console/login", data={"t": token.group(1)}) as again,
        ):
            assert again.status == 400
            text = await again.text()
        assert "登录链接无效、已使用或已过期" in text
        assert "Traceback" not in text


async def test_owners_are_refused_and_a_group_gets_no_link(console: Served) -> None:
    h = console.harness
    await h.say("lxy-owners-1", "owner-1", "3栋电梯坏了")
    await h.say("owner-private", "owner-1", "/console", private=True)
    refused = h.sent("owner-private")[-1].text
    assert "/console/login" not in refused
    assert "抱歉" in refused
    await h.say("lxy-stewards", "wang", "/console")
    in_group = h.sent("lxy-stewards")[-1].text
    assert "/console/login" not in in_group
    assert "私聊" in in_group


async def test_an_expired_link_is_refused(console: Served) -> None:
    url = on(console, await console.link("li"))
    console.harness.clock.advance(timedelta(minutes=10, seconds=1))
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        async with client.post(console.base + "/console/login", data={"t": url.split("t=", 1)[1]}) as r:
            assert r.status == 400
            assert "已过期" in await r.text()
        async with client.get(console.base + "/console/") as r:
            assert r.status == 401


async def test_a_forged_or_altered_link_is_refused(console: Served) -> None:
    url = on(console, await console.link("li"))
    token = url.split("t=", 1)[1]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        for bad in (altered, "not-a-token", "x" * 600):
            async with client.post(console.base + "/console/login", data={"t": bad}) as r:
                assert r.status == 400
                text = await r.text()
                assert "登录链接无效" in text
                assert "Traceback" not in text
        # The genuine one still works: a refused forgery does not use it.
        async with client.post(console.base + "/console/login", data={"t": token}) as r:
            assert r.status == 200


async def test_tampered_cookie_forged_csrf_and_logout(console: Served) -> None:
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "li")
        cookie = next(c for c in client.cookie_jar if c.key == "steward_console")
        async with client.get(console.base + "/console/") as r:
            page = await r.text()
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        assert csrf
        # A forged CSRF token: refused, nothing ended.
        async with client.post(console.base + "/console/logout", data={"csrf": "0" * 64}) as r:
            assert r.status == 403
            assert "页面已过期或请求来源不明" in await r.text()
        async with client.post(console.base + "/console/logout", data={}) as r:
            assert r.status == 403
        async with client.get(console.base + "/console/") as r:
            assert r.status == 200
        # A tampered cookie: the sign-in page.
        async with aiohttp.ClientSession(cookie_jar=jar()) as other:
            other.cookie_jar.update_cookies({"steward_console": cookie.value[:-1] + "x"})
            async with other.get(console.base + "/console/") as r:
                assert r.status == 401
                assert "/console" in await r.text()
        # Logging out ends the session on the server: the old cookie no longer works.
        async with client.post(console.base + "/console/logout", data={"csrf": csrf.group(1)}) as r:
            assert r.status == 200
            assert "您已退出登录" in await r.text()
        async with aiohttp.ClientSession(cookie_jar=jar()) as replay:
            replay.cookie_jar.update_cookies({"steward_console": cookie.value})
            async with replay.get(console.base + "/console/") as r:
                assert r.status == 401


async def test_a_session_expires(console: Served) -> None:
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await sign_in(console, client, "cheung")
        async with client.get(console.base + "/console/") as r:
            assert "工單看板" in await r.text()  # hbhy's language: Traditional
        console.harness.clock.advance(timedelta(hours=12, seconds=1))
        async with client.get(console.base + "/console/") as r:
            assert r.status == 401
            assert "请先登录" in await r.text()  # no session: nobody's language known


async def test_a_post_from_another_site_is_refused(console: Served) -> None:
    url = on(console, await console.link("li"))
    token = url.split("t=", 1)[1]
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        evil = {"Origin": "https://evil.example"}
        async with client.post(console.base + "/console/login", data={"t": token}, headers=evil) as r:
            assert r.status == 403
            assert "请求来源不明" in await r.text()
        # The link was not used by the refused POST; from the console's own page it works.
        own = {"Origin": console.base}
        async with client.post(console.base + "/console/login", data={"t": token}, headers=own) as r:
            assert r.status == 200
            page = await r.text()
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        assert csrf
        async with client.post(
            console.base + "/console/logout", data={"csrf": csrf.group(1)}, headers=evil
        ) as r:
            assert r.status == 403
        async with client.get(console.base + "/console/") as r:
            assert r.status == 200  # still signed in
