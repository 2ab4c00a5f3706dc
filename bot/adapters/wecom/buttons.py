"""Buttons on a platform without buttons: what to write out, and a written answer back in.

Robots see only what @-mentions them, and group robots cannot show inline buttons, so a
`Button` is rendered as a numbered line saying exactly what to write (`bot.adapters.wecom.render`):

    Button("接单", "t:accept:55", say="接单 BX-20261123-0001")
        ->  "1. @物业管家 接单 BX-20261123-0001"
    Button("第1条 开单", "dg:open:42")                      (no words of its own)
        ->  "2. 第1条 开单：@物业管家 /dg open 42"

The words (`Button.say`) are the feature's: the adapter hands them back as text, and the
feature reads them ("接单 BX-…" is the tickets feature's). A command ("/dg open 42", made from
the data: "t:claim:42" -> "/t claim 42") comes back as the press it stands for
(`button_press`), provided the router has a callback prefix matching it, so handlers see the
same press as on Telegram. Without a robot name the lines are the older "1. 回复 /t accept 55 接单".

What people really write back is read by `typed_back`, against the message they quote when
WeCom gives its content (the intelligent robot's callbacks carry the quoted text, not its id):

- a copied line ("1. @物业管家 接单 BX-…", also an older "1. 回复 /t accept 55 接单") is what
  it says;
- a line's number alone ("1", "第1条") quoting a message with such lines is that line;
- a line's first word alone, or followed by more words ("接单", "已解决 换了阀门", "确认" for
  「确认发送 N12」), quoting a message where exactly one line starts with it, is that line
  (with the words added), unless it names a reference of its own ("接单 BX-…-0002"). Two
  lines starting alike: left as written, for the feature to ask which one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.events import Button, Incoming, MessageKind

_HINT = re.compile(r"^\s*(\d{1,2})\s*[.、．]\s*(.*?)\s*$")
_LEGACY = re.compile(r"^回复\s+(/\S+(?:\s+[\x21-\x7e]+)*)(?:\s+(.+))?$")
_NUMBER = re.compile(r"^\s*(?:第\s*)?(\d{1,2})\s*(?:条|條|[.、．。])?\s*$")
_MENTION = re.compile(r"@\S+\s*")


def button_command(button: Button) -> str:
    """The command a user sends to press `button` ("" if the button has no usable data)."""
    data = button.data.strip()
    if data.startswith("/"):
        return data
    parts = [part for part in data.split(":") if part]
    if not parts:
        return ""
    return " ".join(["/" + parts[0], *parts[1:]])


def hint_line(number: int, button: Button, robot: str) -> str:
    """The numbered line that says how to press `button` (see the module docstring)."""
    if not robot:
        return f"{number}. 回复 {button_command(button)} {button.label}".rstrip()
    if button.say:
        return f"{number}. @{robot} {button.say}"
    return f"{number}. {button.label}：@{robot} {button_command(button)}"


def command_callback_data(text: str) -> str | None:
    """'/t claim 42' -> 't:claim:42' (also '/t@物业管家 claim 42'); None if not a command.
    Words that are not plain ASCII after the arguments are a copied label and are left out
    ('/t accept 55 接单' -> 't:accept:55'): button data is ASCII."""
    if not text.startswith("/"):
        return None
    parts = text[1:].split()
    if not parts:
        return None
    head, *args = parts
    name = head.split("@", 1)[0]
    if not name:
        return None
    while args and not args[-1].isascii():
        args.pop()
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


# -- what people write back ------------------------------------------------------------------


@dataclass(frozen=True)
class Hint:
    """One numbered line of a message we rendered: its number, what it reads as (its first
    word, or its label) and the words (or command) it says to write."""

    number: int
    label: str
    words: str


def hints_in(quoted: str, robots: Sequence[str]) -> dict[int, Hint]:
    """The numbered lines of a quoted message of ours, by number."""
    found: dict[int, Hint] = {}
    for line in quoted.splitlines():
        hint = _read_hint(line, robots)
        if hint is not None and hint.number not in found:
            found[hint.number] = hint
    return found


def _read_hint(line: str, robots: Sequence[str]) -> Hint | None:
    matched = _HINT.match(line)
    if matched is None:
        return None
    number, rest = int(matched.group(1)), matched.group(2)
    legacy = _LEGACY.match(rest)
    if legacy is not None:
        command = legacy.group(1)
        return Hint(number, (legacy.group(2) or command).strip(), command)
    for robot in robots:
        at = rest.find("@" + robot)
        if at >= 0:
            words = rest[at + len(robot) + 1 :].strip()
            label = rest[:at].strip().rstrip("：:").strip()
            return Hint(number, label or _first_word(words), words) if words else None
    return None


def _starts(word: str, hint: Hint) -> bool:
    """Whether `word` is how `hint` starts: its label or first word, or the beginning of one
    ("确认" for 「确认发送」; two characters at least)."""
    heads = (hint.label, _first_word(hint.words))
    return word in heads or (
        len(word) >= 2 and not word.isdigit() and any(h.startswith(word) for h in heads if h)
    )


def _first_word(text: str) -> str:
    parts = text.split(maxsplit=1)
    return parts[0] if parts else ""


def _names_a_reference(words: list[str]) -> bool:
    """Whether words after the first name something of their own ("BX-20261123-0002", "N12")."""
    return any(w.isascii() and any(c.isdigit() for c in w) and w.isprintable() for w in words)


def copied_line(text: str, robots: Sequence[str]) -> str | None:
    """The words of a copied hint line ("1. @物业管家 接单 BX-…", "1. 回复 /t accept 55 接单"),
    None if `text` is not one (the robot's own mention inside it says it is)."""
    matched = _HINT.match(text)
    if matched is None:
        return None
    rest = matched.group(2)
    if not (_LEGACY.match(rest) or any("@" + robot in rest for robot in robots)):
        return None
    hint = _read_hint(text, robots)
    return hint.words if hint is not None else None


def typed_back(text: str, quoted: str, robots: Sequence[str]) -> str:
    """What a person wrote to the robot, as Steward reads it (the module docstring), given
    the text they quoted ("" when none) and the robots' names. `text` still holds any robot
    mention; the result does not."""
    copied = copied_line(_without_leading_mention(text, robots), robots)
    if copied is not None:
        return copied
    said = strip_mentions(text, robots)
    if not quoted or said.startswith("/"):
        return said
    hints = hints_in(quoted, robots)
    if not hints:
        return said
    number = _NUMBER.match(said)
    if number is not None:
        hint = hints.get(int(number.group(1)))
        return hint.words if hint is not None else said
    first, *more = said.split()
    if not first or _names_a_reference(more):
        return said
    alike = [h for h in hints.values() if _starts(first, h)]
    if len(alike) != 1:
        return said
    words = alike[0].words
    if words.startswith("/"):
        return words
    return " ".join([words, *more])


def _without_leading_mention(text: str, robots: Sequence[str]) -> str:
    text = text.strip()
    for robot in robots:
        if re.match("@" + re.escape(robot) + r"(?=\s|$)", text):
            return text[len(robot) + 1 :].strip()
    return _MENTION.sub("", text, count=1).strip() if text.startswith("@") else text


def strip_mentions(text: str, robots: Sequence[str]) -> str:
    """The text without the robots' mentions (anywhere) and without a leading mention of
    anyone (the robot WeCom delivered it for, whatever its name); blanks tidied."""
    named = False
    for robot in robots:
        text, n = re.subn(
            r"[ \t\u2005\u00a0]*@" + re.escape(robot) + r"(?=\s|$)[ \t\u2005\u00a0]*", " ", text
        )
        named = named or n > 0
    text = text.strip()
    if text.startswith("@") and not named:
        text = _MENTION.sub("", text, count=1)
    return text.strip()
