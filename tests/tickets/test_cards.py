"""A card shows 位置 only when the owner gave a unit or a place."""

from __future__ import annotations

from tests.harness import Harness
from tests.tickets.test_flow import STEWARDS, report


async def test_the_card_names_a_place_only_when_one_was_given(harness: Harness) -> None:
    first = await report(harness, "3栋2单元1302厨房水管漏水了，麻烦派人来修", user="u-a")
    card = next(m for m in harness.sent(STEWARDS) if first.number in m.text)
    assert "位置：3栋" in card.text
    second = await report(harness, "小区的电梯又坏了，困在里面出不来，快来人", user="u-b")
    card = next(m for m in harness.sent(STEWARDS) if second.number in m.text)
    assert second.building is None
    assert "位置" not in card.text
    assert "未注明" not in card.text
