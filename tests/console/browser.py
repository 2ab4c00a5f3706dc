"""Chromium for the console's browser tests: Debian's /usr/bin/chromium driven by Playwright
for Python. A test never downloads a browser: without that binary (or without Playwright)
the tests skip with the reason, unless STEWARD_REQUIRE_BROWSER=1 (CI, `.ci/run`), where they
fail instead."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser

CHROMIUM = Path(os.environ.get("STEWARD_CHROMIUM", "/usr/bin/chromium"))
REQUIRE = os.environ.get("STEWARD_REQUIRE_BROWSER") == "1"


def unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


async def chromium() -> AsyncIterator[Browser]:
    reason = unavailable()
    if reason is not None:
        if REQUIRE:
            pytest.fail(f"STEWARD_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield browser
        finally:
            await browser.close()
