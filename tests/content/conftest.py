from __future__ import annotations

import pytest

from handlers.broadcasts.tips import TipCalendar, TipLibrary


@pytest.fixture(scope="session")
def library() -> TipLibrary:
    return TipLibrary.load()


@pytest.fixture(scope="session")
def calendar() -> TipCalendar:
    return TipCalendar.load()
