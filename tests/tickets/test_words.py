"""Tickets in words (`handlers/tickets/words.py`, issue 19): the verb first, the human number
anywhere after it, in any case and width, the words left; no verb, no act."""

from __future__ import annotations

import pytest

from handlers.tickets.conversation import ConversationRules
from handlers.tickets.words import Said, number_in, read

RULES = ConversationRules.load()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("接单 BX-20261123-0001", Said("accept", "BX-20261123-0001", "")),
        ("接單 bx-20261123-0001", Said("accept", "BX-20261123-0001", "")),  # Traditional, lower case
        ("已解决 BX－20261123－0001 换了阀门", Said("resolve", "BX-20261123-0001", "换了阀门")),  # full-width
        ("已解决，换了阀门", Said("resolve", None, "换了阀门")),
        ("接单", Said("accept", None, "")),
        ("派给 王管家 BX-20261123-0001", Said("assign", "BX-20261123-0001", "王管家")),
        ("改为投诉 TS-20261123-0002", Said("complaint", "TS-20261123-0002", "")),
        ("不是工单 BX-20261123-0001", Said("none", "BX-20261123-0001", "")),
        ("满意", Said("rate", None, "", 1)),
        ("非常满意 BX-20261123-0001", Said("rate", "BX-20261123-0001", "", 0)),
    ],
)
def test_read(text: str, said: Said) -> None:
    assert read(text, RULES) == said


@pytest.mark.parametrize("text", ["接单了吗", "5栋电梯坏了", "谢谢师傅", "", "BX-20261123-0001"])
def test_no_act(text: str) -> None:
    assert read(text, RULES) is None


def test_number_in() -> None:
    assert number_in("麻烦看下 bx 20261123 0001 的进度") == "BX-20261123-0001"
    assert number_in("工单BX-2026112-0001") is None
