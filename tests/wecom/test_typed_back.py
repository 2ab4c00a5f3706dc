"""What a person writes to the WeCom robot, read against the message they quote (issue 19):
`bot/adapters/wecom/buttons.py::typed_back`. Pure: no platform needed."""

from __future__ import annotations

import pytest

from bot.adapters.wecom.buttons import strip_mentions, typed_back

ROBOTS = ("物业管家", "小管家")
NUMBER = "BX-20261123-0001"
CARD = (
    f"新工单 {NUMBER}（报修·3栋）\n「厨房水管漏水」\n"
    f"1. @物业管家 接单 {NUMBER}\n2. @物业管家 已解决 {NUMBER}\n"
    f"3. @物业管家 改为投诉 {NUMBER}\n4. @物业管家 改为咨询 {NUMBER}"
)
PREVIEW = "通知预览（N12）：明天停水\n1. @物业管家 确认发送 N12\n2. @物业管家 取消 N12"


@pytest.mark.parametrize(
    ("text", "quoted", "read"),
    [
        (f"@物业管家 接单 {NUMBER}", "", f"接单 {NUMBER}"),  # the words as the card says
        ("@小管家 接单", "", "接单"),  # a second robot's mention is taken off as well
        ("@物业管家 接单", CARD, f"接单 {NUMBER}"),  # the quoted card's ticket
        ("@物业管家 1", CARD, f"接单 {NUMBER}"),  # a line's number
        ("@物业管家 第1条", CARD, f"接单 {NUMBER}"),
        ("@物业管家 已解决 换了阀门", CARD, f"已解决 {NUMBER} 换了阀门"),  # the line, with the words
        (f"@物业管家 1. @物业管家 接单 {NUMBER}", "", f"接单 {NUMBER}"),  # a line copied whole
        ("@物业管家 1. 回复 /t accept 55 接单", "", "/t accept 55"),  # an older card's line
        ("@物业管家 确认", PREVIEW, "确认发送 N12"),  # the start of a line's first word
        ("@物业管家 取消", PREVIEW, "取消 N12"),
    ],
)
def test_what_is_read(text: str, quoted: str, read: str) -> None:
    assert typed_back(text, quoted, ROBOTS) == read


@pytest.mark.parametrize(
    ("text", "quoted", "read"),
    [
        ("@物业管家 改为", CARD, "改为"),  # two lines start alike: the feature asks which
        ("@物业管家 接单 BX-20261123-0002", CARD, "接单 BX-20261123-0002"),  # its own number wins
        ("@物业管家 1", "", "1"),  # nothing quoted: nothing to read it against
        ("@物业管家 9", CARD, "9"),  # no such line
        ("@物业管家 确", PREVIEW, "确"),  # one character is no start of a line
        ("@物业管家 /my", CARD, "/my"),  # a command is a command
    ],
)
def test_what_is_left_as_written(text: str, quoted: str, read: str) -> None:
    assert typed_back(text, quoted, ROBOTS) == read


def test_mentions_of_every_robot_are_taken_off() -> None:
    assert strip_mentions("@物业管家 @小管家 5栋电梯坏了", ROBOTS) == "5栋电梯坏了"
    assert (
        strip_mentions("@另一个机器人 5栋电梯坏了", ROBOTS) == "5栋电梯坏了"
    )  # the one WeCom delivered it for
    assert strip_mentions("5栋电梯坏了 @王管家", ROBOTS) == "5栋电梯坏了 @王管家"  # a person's mention stays
