"""Concurrency on PostgreSQL: the real app, a community with many owner groups, updates sent
at once (as a webhook, WeCom's callbacks or several processes run them).

Updates of one chat are handled one after another (`bot.core.inbox`), so the updates that
race here come from different chats of one community: 16 owner groups of building 3 (the
example's groups and a stewards' group besides), each owner and each steward in a chat of
their own. Every test gets a database of its own; without STEWARD_TEST_POSTGRES_URL they are
skipped (SQLite has one writer at a time: nothing runs at once there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from nlp.classifier import Classifier
from storage.db import create_engine, upgrade
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, drop_postgres_database, fresh_postgres_database
from tests.harness import EXAMPLE
from tests.opinion.conftest import OpinionHarness

AT_ONCE = 16  # updates sent at once
REPETITIONS = 50
GROUPS = [f"lxy-b3-{i:02d}" for i in range(AT_ONCE)]  # owner groups of building 3
STEWARDS = "lxy-stewards"
OWNERS = "lxy-owners-1"  # the example's group of buildings 1-3


def crowded_community_file(tmp_path: Path) -> Path:
    """The example community file with `AT_ONCE` more owner groups of 绿溪园, each of building 3."""
    text = EXAMPLE.read_text(encoding="utf-8")
    anchor = 'title = "绿溪园主管群"\n'
    assert anchor in text
    groups = "".join(
        f'\n[[community.chat]]\nplatform = "local"\nid = "{chat}"\nrole = "owners"\n'
        f'title = "绿溪园3栋业主群{i}"\nbuildings = ["3"]\n'
        for i, chat in enumerate(GROUPS)
    )
    path = tmp_path / "community.toml"
    path.write_text(text.replace(anchor, anchor + groups), encoding="utf-8")
    (tmp_path / "knowledge").mkdir(exist_ok=True)
    for knowledge in (EXAMPLE.parent / "knowledge").glob("*.toml"):
        (tmp_path / "knowledge" / knowledge.name).write_text(knowledge.read_text(encoding="utf-8"), "utf-8")
    return path


@pytest.fixture
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("STEWARD_REQUIRE_POSTGRES=1 but STEWARD_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set STEWARD_TEST_POSTGRES_URL)")
    url = await fresh_postgres_database(POSTGRES_URL)
    engine = create_engine(url)
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        await drop_postgres_database(POSTGRES_URL, url)


@pytest.fixture
async def crowd(
    pg_engine: AsyncEngine, classifier: Classifier, tmp_path: Path
) -> AsyncIterator[OpinionHarness]:
    harness = OpinionHarness(
        pg_engine,
        pg_engine.url.render_as_string(hide_password=False),
        classifier,
        crowded_community_file(tmp_path),
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
