"""Buttons rendered as command hints, and replies to them turned back into button presses."""

from __future__ import annotations

import dataclasses

import pytest

from bot.adapters.wecom.buttons import button_command, button_press, command_callback_data
from bot.adapters.wecom.messages import text_kind
from bot.core.events import Button, Incoming, MessageKind, utcnow

PREFIXES = ("t:claim:", "t:accept:", "t:resolve:")


def reply(text: str) -> Incoming:
    return Incoming(
        platform="wecom",
        chat_id="g",
        sender_id="u",
        text=text,
        message_id="m",
        sent_at=utcnow(),
        kind=text_kind(text),
    )


@pytest.mark.parametrize("data", ["t:claim:42", "t:accept:BX-20240501-0001", "t:resolve:7"])
def test_round_trip_from_button_to_press(data: str) -> None:
    incoming = reply(button_command(Button("认领", data)))
    pressed = button_press(incoming, PREFIXES)
    assert pressed.kind is MessageKind.CALLBACK
    assert pressed.callback_data == data
    assert pressed == dataclasses.replace(incoming, kind=MessageKind.CALLBACK, callback_data=data)


def test_handler_style_data_renders_as_readable_command() -> None:
    assert button_command(Button("认领", "t:claim:42")) == "/t claim 42"


def test_command_with_bot_suffix_and_bare_press() -> None:
    assert command_callback_data("/t@物业管家 claim 42") == "t:claim:42"
    assert button_press(reply("/t claim"), PREFIXES).callback_data == "t:claim"


@pytest.mark.parametrize("text", ["/my", "/bind 884213", "/t unknown 1", "/", "电梯坏了", "/@bot"])
def test_other_messages_pass_through(text: str) -> None:
    incoming = reply(text)
    assert button_press(incoming, PREFIXES) is incoming
