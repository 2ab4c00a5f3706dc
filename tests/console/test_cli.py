"""`steward admin console-link --user telegram:2001`: the same link `/console` gives, made
at the command line; refused for someone not on the roster, and when the console is off."""

from __future__ import annotations

import asyncio
import os
import sys

import aiohttp
import pytest

from tests.console.conftest import SECRET, Served, on


async def steward(db_url: str, *args: str, secret: str = SECRET) -> tuple[int, str, str]:
    env = dict(os.environ, STEWARD_DATABASE_URL=db_url, STEWARD_CONSOLE_URL="http://127.0.0.1:1")
    env["STEWARD_CONSOLE_SECRET"] = secret
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


@pytest.mark.slow
async def test_console_link_at_the_command_line(console: Served, db_url: str) -> None:
    code, out, err = await steward(db_url, "admin", "console-link", "--user", "telegram:2001")
    assert code == 0, err
    url = out.strip()
    assert "/console/login?t=" in url
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        token = on(console, url).split("t=", 1)[1]
        async with client.post(console.base + "/console/login", data={"t": token}) as r:
            assert r.status == 200
            assert "何姑娘" in await r.text()

    code, out, err = await steward(db_url, "admin", "console-link", "--user", "telegram:424242")
    assert code == 2
    assert "not a staff member" in err
    assert "Traceback" not in err
    code, out, err = await steward(db_url, "admin", "console-link", "--user", "2001")
    assert code == 2
    assert "platform:user_id" in err
    code, out, err = await steward(db_url, "admin", "console-link", "--user", "telegram:2001", secret="")
    assert code == 2
    assert "STEWARD_CONSOLE_SECRET" in err
    assert "Traceback" not in err
