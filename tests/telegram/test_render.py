"""Rendering as pure functions, checked against the fake server's copy of Telegram's HTML parser:
whatever a handler writes, Telegram parses it back to exactly that text, within its limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot, Update

from bot.adapters.telegram.convert import update_to_incoming
from bot.adapters.telegram.render import inline_keyboard, render_chunks, render_single, split_plain, utf16_len
from bot.core.events import Button, Mention, MessageKind
from tests.fakes.telegram_api import DEFAULT_TOKEN, parse_html

mentions = st.lists(
    st.builds(Mention, st.integers(1, 10**10).map(str), st.text(min_size=1, max_size=20).filter(str.strip)),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400), mentions=mentions, limit=st.integers(30, 120))
def test_any_text_parses_back_to_itself_within_the_limit(
    text: str, mentions: list[Mention], limit: int
) -> None:
    chunks = render_chunks(text, mentions, limit)

    plains = [parse_html(chunk)[0] for chunk in chunks]  # never a "can't parse entities"

    assert all(utf16_len(p) <= limit for p in plains)
    shown = "".join(plains)
    # Only whitespace-only pieces are dropped (Telegram refuses empty messages).
    assert "".join(shown.split()) == "".join((text + "".join(m.name for m in mentions)).split())
    for chunk in chunks:
        entities = parse_html(chunk)[1]
        assert all(e["type"] == "text_mention" for e in entities)  # the only markup is ours
    assert len([e for c in chunks for e in parse_html(c)[1]]) == len(mentions)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), mentions=mentions, limit=st.integers(20, 100))
def test_single_message_is_shortened_to_fit(text: str, mentions: list[Mention], limit: int) -> None:
    plain, _ = parse_html(render_single(text, mentions, limit))

    names = " ".join(m.name for m in mentions)
    if utf16_len(names) + 2 <= limit:
        assert utf16_len(plain) <= limit
    if utf16_len(text) + (utf16_len(names) + 1 if names else 0) <= limit:
        assert plain == (f"{text}\n{names}" if names and text.strip() else names or text)


def test_split_counts_utf16_units_and_prefers_line_breaks() -> None:
    emoji = "😀" * 10  # 20 UTF-16 units
    assert split_plain(emoji, 5) == ["😀😀", "😀😀", "😀😀", "😀😀", "😀😀"]
    assert split_plain("first line\nsecond line", 15) == ["first line\n", "second line"]


def test_keyboard_rows_and_limits() -> None:
    keyboard = inline_keyboard(((Button("A", "a"), Button("B", "b")), (), (Button("C", "c"),)))
    assert keyboard is not None
    assert [[b.callback_data for b in row] for row in keyboard.inline_keyboard] == [["a", "b"], ["c"]]
    assert inline_keyboard(()) is None
    with pytest.raises(ValueError, match="1-64 bytes"):
        inline_keyboard(((Button("x", ""),),))
    with pytest.raises(ValueError, match="1-64 bytes"):
        inline_keyboard(((Button("x", "評" * 22),),))  # 66 bytes in UTF-8


def _update(payload: dict[str, object]) -> Update:
    update = Update.de_json({"update_id": 1, **payload}, Bot(DEFAULT_TOKEN))
    assert update is not None
    return update


def test_anonymous_admin_is_the_sender_chat() -> None:
    chat = {"id": -1001, "type": "supergroup", "title": "群"}
    update = _update(
        {
            "message": {
                "message_id": 5,
                "date": 1_700_000_000,
                "chat": chat,
                "from": {
                    "id": 1087968824,
                    "is_bot": True,
                    "first_name": "Group",
                    "username": "GroupAnonymousBot",
                },
                "sender_chat": chat,
                "text": "通告：明日停水",
            }
        }
    )

    incoming = update_to_incoming(update, bot_username="StewardTestBot")

    assert incoming is not None
    assert (incoming.sender_id, incoming.sender_name) == ("-1001", "群")
    assert incoming.sent_at == datetime.fromtimestamp(1_700_000_000, UTC)


def test_button_on_an_inline_message_has_no_chat_and_is_not_delivered() -> None:
    update = _update(
        {
            "callback_query": {
                "id": "9",
                "from": {"id": 1, "is_bot": False, "first_name": "A"},
                "chat_instance": "x",
                "inline_message_id": "abc",
                "data": "r:1",
            }
        }
    )

    assert update_to_incoming(update, bot_username="StewardTestBot") is None


def test_button_on_a_message_too_old_to_read_is_still_a_press() -> None:
    update = _update(
        {
            "callback_query": {
                "id": "10",
                "from": {"id": 1, "is_bot": False, "first_name": "A"},
                "chat_instance": "x",
                "message": {
                    "message_id": 77,
                    "date": 0,
                    "chat": {"id": -1002, "type": "supergroup", "title": "G"},
                },
                "data": "t:1:accept",
            }
        }
    )

    incoming = update_to_incoming(update, bot_username="StewardTestBot")

    assert incoming is not None
    assert (incoming.kind, incoming.reply_to, incoming.callback_data) == (
        MessageKind.CALLBACK,
        "77",
        "t:1:accept",
    )
