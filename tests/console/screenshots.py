"""Screenshots of the web console for docs/console/: the board, a ticket and the phone layout.

    python -m tests.console.screenshots [--out docs/console]

The real app on a temporary SQLite database (the test harness: a local channel for the chat,
a frozen clock on a Monday morning), a morning's owner reports sent through the chat, a few
older tickets to show every SLA state, and one ticket worked from the console; then Debian's
Chromium (Playwright, never a downloaded browser) signs in by link and takes the pictures.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from playwright.async_api import async_playwright

from nlp.classifier import Classifier
from storage.db import create_engine, upgrade
from tests.console.browser import CHROMIUM, unavailable
from tests.console.conftest import Served, on, seed
from tests.harness import Harness

REPORTS = [
    ("lxy-owners-1", "u-zhang", "3栋厨房水管漏水了，麻烦派人来修"),
    ("lxy-owners-1", "u-wang", "2栋电梯又坏了，老人上不去楼"),
    ("lxy-owners-2", "u-li", "5栋楼道灯不亮好几天了"),
    ("lxy-owners-2", "u-chen", "楼上装修噪音太大，晚上十点还在打电钻"),
    ("lxy-owners-1", "u-sun", "1栋地下车库门口的井盖松了，很危险"),
]


async def make(out: Path) -> None:
    reason = unavailable()
    if reason is not None:
        raise SystemExit(f"screenshots: {reason}")
    with tempfile.TemporaryDirectory(prefix="steward-shots-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'steward.db'}"
        engine = create_engine(url)
        await upgrade(engine)
        h = Harness(engine, url, Classifier.load(), console_secret="shots", console_url="http://x")
        await h.start()
        runner = None
        try:
            await seed(
                h,
                "lxy",
                "BX-20261120-0003",
                share=2.3,
                building="4",
                category="elevator",
                assignee="刘管家",
                summary="4栋2号电梯按钮失灵",
            )
            await seed(
                h,
                "lxy",
                "BX-20261121-0011",
                share=1.2,
                building="6",
                category="public_facility",
                assignee="王管家",
                summary="6栋门口的路灯杆歪了",
            )
            await seed(
                h,
                "lxy",
                "BX-20261122-0007",
                share=0.86,
                building="3",
                category="electrical",
                summary="3栋单元门禁刷卡没反应",
                owner=False,
            )
            for chat, user, text in REPORTS:
                await h.say(chat, user, text)
                h.clock.advance(timedelta(minutes=7))
            assert h.app.console is not None
            server = web.Application()
            h.app.console.mount(server)
            runner = web.AppRunner(server, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            served = Served(h, f"http://127.0.0.1:{runner.addresses[0][1]}")
            [first, *_] = [
                t for t in await h.tickets() if t.number.startswith(("BX-20261123", "TS-20261123"))
            ]
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
                desk = await browser.new_page(viewport={"width": 1280, "height": 900})
                await desk.goto(on(served, await served.link("li")))
                await desk.click("#signin")
                await desk.goto(f"{served.base}/console/ticket/{first.number}")
                await desk.fill("#form-note textarea", "已联系业主，师傅下午三点上门")
                await desk.click("#form-note button")
                await desk.screenshot(path=str(out / "ticket.png"), full_page=True)
                await desk.goto(served.base + "/console/")
                await desk.screenshot(path=str(out / "board.png"), full_page=True)
                phone = await browser.new_page(
                    viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
                )
                await phone.goto(on(served, await served.link("wang")))
                await phone.click("#signin")
                await phone.screenshot(path=str(out / "phone.png"))
                await browser.close()
        finally:
            if runner is not None:
                await runner.cleanup()
            await h.stop()
            await engine.dispose()
    for name in ("board.png", "ticket.png", "phone.png"):
        print(out / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("docs/console"))
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(make(out))


if __name__ == "__main__":
    main()
