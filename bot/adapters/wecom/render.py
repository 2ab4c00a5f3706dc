"""`Outgoing` -> WeCom webhook payloads. Pure functions; the sender does the HTTP.

* Plain text goes as `msgtype: text` (2,048 UTF-8 bytes per message).
* Text with mentions or buttons goes as `msgtype: markdown` (4,096 bytes): mentions become
  `<@userid>`, and buttons, which group robots cannot show, become numbered lines saying
  exactly what to write to the robot (`bot.adapters.wecom.buttons.hint_line`):

      1. @物业管家 接单 BX-20261123-0001

  The words are the button's own (`Button.say`); a button without words shows the command
  made from its data ("t:claim:42" -> "/t claim 42"), which `buttons.button_press` turns back
  into the CALLBACK "t:claim:42" when the user sends it.
* `Outgoing.text` is plain text, whoever wrote it (an owner's words are quoted in cards and
  alerts). Where it goes as markdown, every markdown construct in it is neutralised
  (`escape_markdown`): no owner can make a link, a `<font>`, a heading, a quote, bold or code
  appear live in the stewards' group (the signs that open one are shown full-width). Only
  the adapter's own layout (the command hints and the mentions) is markdown. As plain
  `text`, nothing is rendered, so only mentions are neutralised.
* Long texts are split on sentence ends (。！？ and newlines, then ；，、 and spaces), never
  inside a UTF-8 character; joined back together the pieces give the original text.
* An image (report charts) goes as `msgtype: image` with its base64 and md5; at most 2 MB,
  JPG or PNG.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from bot.adapters.wecom.buttons import hint_line
from bot.core.events import Outgoing

TEXT_LIMIT = 2048
MARKDOWN_LIMIT = 4096
IMAGE_LIMIT = 2 * 1024 * 1024

_SENTENCE_ENDS = frozenset("。！？!?\n")
_SOFT_ENDS = frozenset("；;，,、 ")
_ZWSP = "\u200b"

Payload = dict[str, Any]


class RenderError(ValueError):
    """The message cannot be sent to WeCom at all (bad image, nothing to send)."""


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def split_utf8(text: str, limit: int) -> list[str]:
    """Split into pieces of at most `limit` UTF-8 bytes, preferring sentence boundaries."""
    if limit < 4:
        raise ValueError("limit must leave room for one UTF-8 character")
    pieces: list[str] = []
    rest = text
    while utf8_len(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    """Index (in characters) after which to cut so the head fits in `limit` bytes."""
    fit = 0  # how many characters fit
    size = 0
    for ch in text:
        size += utf8_len(ch)
        if size > limit:
            break
        fit += 1
    head = text[:fit]
    for ends in (_SENTENCE_ENDS, _SOFT_ENDS):
        for i in range(len(head) - 1, 0, -1):
            if head[i] in ends:
                return i + 1
    return max(fit, 1)


def neutralize_mentions(text: str) -> str:
    """Stop text that came from users from pinging anyone: '<@' becomes '<\\u200b@'."""
    return text.replace("<@", "<" + _ZWSP + "@")


# WeCom's markdown has no backslash escape, and a zero-width space does not stop emphasis or
# code; so the characters that open a construct are shown in their full-width form, which no
# markdown reads and a Chinese reader reads as the same sign: `<font`, `<@all>`, `[text](url)`,
# `**bold**`, `` `code` ``, and `#` / `>` at a line's start (a heading, a quote).
_INLINE_MARKUP = str.maketrans({"<": "＜", "[": "［", "]": "］", "*": "＊", "`": "｀", "_": "＿"})
_LINE_MARKUP = re.compile(r"(?m)^([ \t\u3000]*)([#>])")
_FULL_WIDTH = {"#": "＃", ">": "＞"}


def escape_markdown(text: str) -> str:
    """Plain text that WeCom's markdown shows as written, never as a link, a colour, a heading,
    a quote, emphasis, code or a mention: the signs that would open one are full-width."""
    text = text.translate(_INLINE_MARKUP)
    return _LINE_MARKUP.sub(lambda m: m.group(1) + _FULL_WIDTH[m.group(2)], text)


def render_markdown(message: Outgoing, robot: str = "") -> str:
    """`robot`: the name people @-mention to reach Steward ("" : the older command hints)."""
    lines = [escape_markdown(message.text)]
    buttons = [b for row in message.buttons for b in row]
    hints = [hint_line(i, b, robot) for i, b in enumerate(buttons, start=1)]
    if hints:
        lines.append("\n".join(hints))
    if message.mentions:
        lines.append(" ".join(f"<@{m.user_id}>" for m in message.mentions))
    return "\n\n".join(line for line in lines if line)


def needs_markdown(message: Outgoing) -> bool:
    return bool(message.mentions or message.buttons)


def text_payloads(message: Outgoing, robot: str = "") -> list[Payload]:
    """The text part of a message as one or more webhook payloads (none if there is no text)."""
    if needs_markdown(message):
        content = render_markdown(message, robot)
        return [
            {"msgtype": "markdown", "markdown": {"content": c}} for c in split_utf8(content, MARKDOWN_LIMIT)
        ]
    if not message.text:
        return []
    content = neutralize_mentions(message.text)
    return [{"msgtype": "text", "text": {"content": c}} for c in split_utf8(content, TEXT_LIMIT)]


def markdown_payloads(message: Outgoing, limit: int, robot: str = "") -> list[Payload]:
    """The whole text part as markdown (for response_url, which takes markdown only)."""
    content = render_markdown(message, robot) if needs_markdown(message) else escape_markdown(message.text)
    if not content:
        return []
    return [{"msgtype": "markdown", "markdown": {"content": c}} for c in split_utf8(content, limit)]


def image_payload(data: bytes) -> Payload:
    if not data:
        raise RenderError("image is empty")
    if len(data) > IMAGE_LIMIT:
        raise RenderError(f"image is {len(data)} bytes; WeCom takes at most {IMAGE_LIMIT}")
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise RenderError("image must be PNG or JPEG")
    return {
        "msgtype": "image",
        "image": {"base64": base64.b64encode(data).decode("ascii"), "md5": hashlib.md5(data).hexdigest()},
    }
