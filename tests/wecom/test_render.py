"""Rendering Outgoing for group robots: splitting, markdown mentions, button hints, images."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.wecom.buttons import button_command
from bot.adapters.wecom.render import (
    IMAGE_LIMIT,
    MARKDOWN_LIMIT,
    TEXT_LIMIT,
    RenderError,
    escape_markdown,
    image_payload,
    markdown_payloads,
    render_markdown,
    split_utf8,
    text_payloads,
    utf8_len,
)
from bot.core.events import Button, Mention, Outgoing

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=3000), limit=st.integers(min_value=4, max_value=600))
def test_split_is_lossless_and_within_limit(text: str, limit: int) -> None:
    pieces = split_utf8(text, limit)
    assert "".join(pieces) == text
    assert all(utf8_len(p) <= limit for p in pieces)
    assert all(pieces) or pieces == [""]


def test_split_prefers_sentence_ends() -> None:
    sentence = "本周六上午九点到十一点，3栋和5栋停水检修，请各位业主提前储水。"  # 3 bytes per character
    text = sentence * 40
    pieces = split_utf8(text, TEXT_LIMIT)
    assert len(pieces) > 1
    assert all(p.endswith("。") for p in pieces)
    assert "".join(pieces) == text


def test_split_on_newlines_and_questions() -> None:
    text = ("第一行说明情况\n" * 200) + "有问题吗？" * 10
    for piece in split_utf8(text, 300)[:-1]:
        assert piece.endswith(("\n", "？"))


def test_split_never_cuts_a_character() -> None:
    text = "🏠" * 1000  # 4 bytes each, no boundaries at all
    pieces = split_utf8(text, TEXT_LIMIT)
    assert [utf8_len(p) for p in pieces] == [2048, 1952]
    for piece in pieces:
        piece.encode("utf-8").decode("utf-8")  # each piece is whole characters


def test_split_falls_back_to_commas() -> None:
    text = "，".join(["电梯维修中"] * 300)  # no sentence end at all
    pieces = split_utf8(text, 500)
    assert all(p.endswith("，") for p in pieces[:-1])


def test_plain_text_payload() -> None:
    assert text_payloads(Outgoing(text="您的报修已受理。")) == [
        {"msgtype": "text", "text": {"content": "您的报修已受理。"}}
    ]


def test_text_from_users_cannot_ping_everyone() -> None:
    [payload] = text_payloads(Outgoing(text="业主留言：<@all> 快来"))
    assert "<@all>" not in payload["text"]["content"]


def test_markdown_with_mentions_and_button_hints() -> None:
    message = Outgoing(
        text="新报修 BX-20240501-0001：3栋电梯困人",
        buttons=((Button("接单", "accept:BX-20240501-0001"), Button("转派", "/reassign BX-20240501-0001")),),
        mentions=(Mention("zhangsan", "张三"), Mention("lisi", "李四")),
    )
    content = render_markdown(message)
    assert content == (
        "新报修 BX-20240501-0001：3栋电梯困人\n\n"
        "1. 回复 /accept BX-20240501-0001 接单\n"
        "2. 回复 /reassign BX-20240501-0001 转派\n\n"
        "<@zhangsan> <@lisi>"
    )
    assert text_payloads(message) == [{"msgtype": "markdown", "markdown": {"content": content}}]


def test_long_markdown_keeps_hints_and_mentions_whole() -> None:
    message = Outgoing(
        text="报修详情。" * 400,
        buttons=((Button("接单", "accept:BX-1"),),),
        mentions=(Mention("zhangsan", "张三"),),
    )
    payloads = text_payloads(message)
    contents = [p["markdown"]["content"] for p in payloads]
    assert len(contents) > 1
    assert all(utf8_len(c) <= MARKDOWN_LIMIT for c in contents)
    assert contents[-1].endswith("1. 回复 /accept BX-1 接单\n\n<@zhangsan>")


@pytest.mark.parametrize(
    ("data", "command"),
    [
        ("/accept BX-1", "/accept BX-1"),
        ("accept:BX-1", "/accept BX-1"),
        ("rate:BX-1:5", "/rate BX-1 5"),
        ("my", "/my"),
        ("", ""),
        (":::", ""),
    ],
)
def test_button_command_mapping(data: str, command: str) -> None:
    assert button_command(Button("x", data)) == command


def test_image_payload() -> None:
    payload = image_payload(PNG)
    assert payload["msgtype"] == "image"
    assert base64.b64decode(payload["image"]["base64"]) == PNG
    assert payload["image"]["md5"] == hashlib.md5(PNG).hexdigest()
    assert image_payload(b"\xff\xd8\xff\xe0jpeg")["msgtype"] == "image"


@pytest.mark.parametrize(
    "data", [b"", b"GIF89a...", PNG + b"\x00" * IMAGE_LIMIT], ids=["empty", "gif", "too-big"]
)
def test_bad_images_refused(data: bytes) -> None:
    with pytest.raises(RenderError):
        image_payload(data)


def test_empty_message_has_no_text_payloads() -> None:
    assert text_payloads(Outgoing(text="")) == []


@pytest.mark.parametrize(
    "text",
    [
        "[点我](http://evil.example)",
        '<font color="warning">紧急</font>',
        "# 已处理",
        "  ## 已处理",
        "> 责任管家：张三",
        "**急**",
        "`code`",
        "<@all>",
        "<a href='x'>y</a>",
    ],
)
def test_markdown_of_a_plain_text_is_neutralised_and_reads_as_written(text: str) -> None:
    """Outgoing text is plain: in a markdown payload nothing of it renders (issue 18)."""
    message = Outgoing(text=f"业主：{text}\n{text}", buttons=((Button("接单", "t:claim:1"),),))
    [payload] = text_payloads(message)
    content = payload["markdown"]["content"]
    body = content.split("\n\n")[0]
    assert body == escape_markdown(f"业主：{text}\n{text}")
    assert unicodedata.normalize("NFKC", body) == unicodedata.normalize("NFKC", f"业主：{text}\n{text}")
    for live in (r"\[[^\]]*\]\(", r"<[A-Za-z@/]", r"(?m)^\s*[#>]", r"\*\*", r"`[^`]*`"):
        assert not re.search(live, body), (live, body)
    assert content.endswith("1. 回复 /t claim 1 接单")
    assert markdown_payloads(Outgoing(text=text), 4096)[0]["markdown"]["content"] == escape_markdown(text)
