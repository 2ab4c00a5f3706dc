"""Buttons on a platform without buttons: a command hint out, a button press back in.

Group robots cannot show inline buttons, so a `Button` is rendered as a command the user can
send back (see `bot.wecom.render`):

    Button("认领", "t:claim:42")       ->  "回复 /t claim 42 认领"
    Button("我的工单", "/my")          ->  "回复 /my 我的工单"

Data starting with "/" is already a command and is shown as it is. Other data is split on
":" and the parts become the command name and its arguments. `button_press` reverses that for
a reply: "/t claim 42" becomes a CALLBACK with `callback_data` "t:claim:42", provided the
router has a callback prefix matching it, so handlers see the same press as on Telegram.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from bot.core.events import Button, Incoming, MessageKind


def button_command(button: Button) -> str:
    """The command a user sends to press `button` ("" if the button has no usable data)."""
    data = button.data.strip()
    if data.startswith("/"):
        return data
    parts = [part for part in data.split(":") if part]
    if not parts:
        return ""
    return " ".join(["/" + parts[0], *parts[1:]])


def command_callback_data(text: str) -> str | None:
    """'/t claim 42' -> 't:claim:42' (also '/t@物业管家 claim 42'); None if not a command."""
    if not text.startswith("/"):
        return None
    parts = text[1:].split()
    if not parts:
        return None
    head, *args = parts
    name = head.split("@", 1)[0]
    if not name:
        return None
    return ":".join([name, *args])


def button_press(incoming: Incoming, callback_prefixes: Iterable[str]) -> Incoming:
    """Turn a COMMAND that answers a rendered button into the CALLBACK it stands for.

    Anything else (other kinds, commands matching no prefix) comes back unchanged.
    """
    if incoming.kind is not MessageKind.COMMAND:
        return incoming
    data = command_callback_data(incoming.text)
    if data is None:
        return incoming
    # A prefix like "t:claim:" must also match the bare press "t:claim" (no argument).
    if not any(data.startswith(p) or data + ":" == p for p in callback_prefixes if p):
        return incoming
    return dataclasses.replace(incoming, kind=MessageKind.CALLBACK, callback_data=data)
