"""The web console on a real HTTP server (its own aiohttp runner on a free port, the routes
`steward run` mounts), over the harness's app: the real services, a local channel standing in
for the chat, a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from nlp.classifier import Classifier
from storage.tickets.models import Ticket
from tests.harness import Harness

SECRET = "console-test-secret"


@dataclass
class Served:
    harness: Harness
    base: str  # http://127.0.0.1:<port>

    async def link(self, user: str, platform: str = "local") -> str:
        """A sign-in link for `user`, as `steward admin console-link` makes it."""
        app = self.harness.app
        assert app.console is not None
        async with app.runtime.transaction() as uow:
            url = await app.console.auth.issue_link(uow, platform, user, app.runtime.now)
        return url


@pytest.fixture
async def console(engine: AsyncEngine, db_url: str, classifier: Classifier) -> AsyncIterator[Served]:
    h = Harness(engine, db_url, classifier, console_secret=SECRET, console_url="http://127.0.0.1:1")
    await h.start()
    assert h.app.console is not None
    web_app = web.Application(client_max_size=1024 * 1024)
    h.app.console.mount(web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Served(h, f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()
        await h.stop()


def on(served: Served, url: str) -> str:
    """A link made for the configured console URL, on the test's server."""
    path = url.split("://", 1)[1]
    return served.base + path[path.index("/") :]


async def seed(
    h: Harness,
    community: str,
    number: str,
    *,
    share: float,
    building: str | None = None,
    category: str | None = "plumbing",
    priority: str = "normal",
    assignee: str | None = None,
    owner: bool = True,
    summary: str = "厨房水管漏水",
    kind: str = "repair",
    status: str | None = None,
    responded: bool = False,
    respond: float = 1.0,  # the respond window, as a share of the resolve window
) -> Ticket:
    """An open ticket `share` of the way into its 24-hour resolve window (stored as intake
    would leave it; the board's SLA state is computed from these fields)."""
    now = h.clock.now()
    window = timedelta(hours=24)
    started = now - window * share
    async with h.app.runtime.transaction() as uow:
        place = await uow.directory.community_by_code(community)
        assert place is not None
        steward = await uow.directory.steward_by_name(place.id, assignee) if assignee else None
        member = None
        if owner:
            member = await uow.directory.see_member("local", f"owner-{number}", "业主", now, place.id)
        ticket = await uow.tickets.add(
            Ticket(
                number=number,
                community_id=place.id,
                kind=kind,
                category=category,
                priority=priority,
                status=status or ("assigned" if steward else "open"),
                building=building,
                summary=summary,
                owner_member_id=member.id if member else None,
                assignee_id=steward.id if steward else None,
                created_at=started,
                updated_at=started,
                sla_started_at=started,
                respond_due_at=started + window * respond,
                resolve_due_at=started + window,
                first_response_at=started + window / 8 if responded else None,
            )
        )
    return ticket
