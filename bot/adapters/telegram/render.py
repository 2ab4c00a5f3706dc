"""`Outgoing` to Bot API parameters: HTML text, inline keyboards, replies, topics.

Everything a handler writes is plain text: it is escaped entirely, so an owner's
"<b>x</b><script>" quoted in a ticket card shows as typed and can never break the parse mode or
inject a link. Mentions are the only markup Steward adds: `<a href="tg://user?id=…">name</a>`,
after the text on a line of their own.

Telegram counts the 4096 (text) and 1024 (caption) limits in UTF-16 units of the text after
entity parsing, i.e. of the plain text, so that is what is measured here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters

from bot.core.events import Button, Mention

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
ELLIPSIS = "…"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def mention_html(mention: Mention) -> tuple[str, str]:
    """(HTML, plain text it shows as) for one mention."""
    name = mention.name or mention.user_id
    if mention.user_id.isdigit():
        return f'<a href="tg://user?id={mention.user_id}">{html.escape(name, quote=False)}</a>', name
    if mention.user_id.startswith("@"):  # a public username: Telegram links it by itself
        return html.escape(mention.user_id, quote=False), mention.user_id
    return html.escape(name, quote=False), name


def _mentions(mentions: Sequence[Mention]) -> tuple[str, str]:
    parts = [mention_html(m) for m in mentions]
    return " ".join(h for h, _ in parts), " ".join(p for _, p in parts)


def _cut(text: str, limit: int) -> int:
    """The largest index i such that text[:i] fits in `limit` UTF-16 units."""
    size = 0
    for index, char in enumerate(text):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            return index
    return len(text)


def split_plain(text: str, limit: int) -> list[str]:
    """Split plain text into pieces of at most `limit` UTF-16 units, at a line break or space
    when one is in the second half of a piece."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _cut(rest, limit)
        at = rest.rfind("\n", 0, cut)
        if at < cut // 2:
            at = rest.rfind(" ", 0, cut)
        end = at + 1 if at >= cut // 2 else cut
        pieces.append(rest[:end])
        rest = rest[end:]
    pieces.append(rest)
    return [p for p in pieces if p.strip()]


def render_chunks(text: str, mentions: Sequence[Mention], limit: int) -> list[str]:
    """HTML messages, each within `limit`, that together show `text` then the mentions."""
    pieces = split_plain(text, limit) if text.strip() else []
    chunks = [html.escape(p, quote=False) for p in pieces]
    sizes = [utf16_len(p) for p in pieces]
    separator = "\n"  # mentions go on a line of their own after the text
    for markup, plain in (mention_html(m) for m in mentions):
        if chunks and sizes[-1] + 1 + utf16_len(plain) <= limit:
            chunks[-1] += separator + markup
            sizes[-1] += 1 + utf16_len(plain)
        else:
            chunks.append(markup)
            sizes.append(utf16_len(plain))
        separator = " "
    return chunks


def render_single(text: str, mentions: Sequence[Mention], limit: int) -> str:
    """One HTML message within `limit`: the text is shortened (with "…") to leave room for the
    mentions. For edits and captions, which cannot be split."""
    mention_markup, mention_plain = _mentions(mentions)
    room = limit - (utf16_len(mention_plain) + 1 if mention_plain else 0)
    body = text
    if utf16_len(body) > room:
        body = body[: _cut(body, max(room - 1, 0))] + ELLIPSIS
    rendered = html.escape(body, quote=False)
    if mention_plain:
        rendered = f"{rendered}\n{mention_markup}" if body.strip() else mention_markup
    return rendered


def fits(text: str, mentions: Sequence[Mention], limit: int) -> bool:
    _, mention_plain = _mentions(mentions)
    size = utf16_len(text) + (utf16_len(mention_plain) + 1 if mention_plain else 0)
    return size <= limit


def inline_keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard, or None for no buttons. ValueError for data Telegram would refuse."""
    keyboard = []
    for row in rows:
        if not row:
            continue
        for button in row:
            size = len(button.data.encode())
            if not 1 <= size <= CALLBACK_DATA_LIMIT:
                raise ValueError(
                    f"button data must be 1-{CALLBACK_DATA_LIMIT} bytes, got {size}: {button.data!r}"
                )
            if not button.label.strip():
                raise ValueError("button label is empty")
        keyboard.append([InlineKeyboardButton(b.label, callback_data=b.data) for b in row])
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def chat_target(chat_id: str) -> int | str:
    """The Bot API chat_id: an integer id, or "@channelusername" as given."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


def message_number(value: str | int | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def reply_parameters(reply_to: str | None) -> ReplyParameters | None:
    """Reply to that message if it still exists; send anyway if it was deleted."""
    number = message_number(reply_to)
    if number is None:
        return None
    return ReplyParameters(message_id=number, allow_sending_without_reply=True)
