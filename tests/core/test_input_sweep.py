"""Issue 18: every chat input that can overflow or be malformed gets one clear answer.

The sweep is generated from the router tree, not listed by hand: every registered command
(and every subcommand word of the commands that have them) is sent with each of the bad
arguments below, by a supervisor in the supervisors' chat and by an owner in an owner group,
over the local channel, on SQLite and PostgreSQL. Each must be answered, never with the
apology for an unexpected failure (「系统开小差」) nor a traceback, and its update must be
handled on the first try (no failure recorded in the inbox). Every kind of button is pressed
with forged data carrying ids beyond what the database holds; each press is answered clearly.
A command added later is swept without touching this file.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.core.callbacks import CallbackData
from bot.core.router import Router
from handlers.broadcasts.chat import Subcommands
from storage.inbox.models import InboxUpdate
from tests.harness import Harness

HUGE = str(2**64)  # beyond BIGINT
BAD_ARGUMENTS = {
    "huge": HUGE,
    "negative": "-1",
    "empty": "",
    "garbage": "垃圾!@#%^&*()",
    "year 1": "0001-01-01 09:00 电梯保养",
    "year 9999": "9999-12-31 23:59 电梯保养",
    "5,000 chars": "漏" * 5000,
    "refs": f"N{HUGE} S{HUGE} T{HUGE} #{HUGE}",
}
# Ids a forged button may carry: the largest BIGINT, past INTEGER, past BIGINT, negative.
FORGED_IDS = (str(2**63 - 1), str(2**31), str(2**63), HUGE, "-1", "0")
APOLOGY = ("开小差", "開小差", "Traceback", "Error")


def commands(router: Router) -> Iterator[str]:
    """Every command line prefix to try: `/name` once per handler (aliases share it), and
    `/name word` for each subcommand word."""
    seen: set[int] = set()
    for node, _ in router.walk():
        for name, (handler, _filters) in node.commands.items():
            if id(handler) in seen:
                continue
            seen.add(id(handler))
            yield f"/{name}"
            if isinstance(handler, Subcommands):
                for entry in handler.entries:
                    words = sorted(w for w in entry.words if w.isascii())
                    if words and words[0]:
                        yield f"/{name} {words[0]}"


def assert_clear(answers: list[str], what: str) -> None:
    assert answers, f"{what}: no answer"
    for text in answers:
        assert not any(bad in text for bad in APOLOGY), f"{what}: {text[:200]}"


async def assert_handled_first_time(harness: Harness, what: str) -> None:
    failed = [row for row in await harness.inbox() if row.failures or row.status != "done"]
    assert not failed, f"{what}: {[(r.status, r.failures, r.error) for r in failed]}"


@pytest.mark.slow
@pytest.mark.parametrize(("chat", "user"), [("lxy-supervisors", "li"), ("lxy-owners-1", "u-owner")])
async def test_every_command_answers_every_bad_argument_clearly(
    harness: Harness, chat: str, user: str
) -> None:
    lines = list(commands(harness.app.dispatcher.router))
    assert len(lines) >= 20, lines  # the sweep covers the tree (notice and outage words included)
    assert "/notice resume" in lines
    assert "/ticket" in lines
    for line in lines:
        for name, argument in BAD_ARGUMENTS.items():
            text = f"{line} {argument}".strip()
            before = len(harness.sent(chat))
            await harness.say(chat, user, text)
            what = f"{text[:60]!r} ({name}, in {chat})"
            assert_clear([m.text for m in harness.sent(chat)[before:]], what)
            for reply in harness.sent(chat)[before:]:
                assert len(reply.text) <= 4096, what
    await assert_handled_first_time(harness, chat)
    assert await harness.count(InboxUpdate) >= len(lines) * len(BAD_ARGUMENTS)


def forged(router: Router) -> Iterator[str]:
    """For every kind of button in the tree, data of the right shape with forged ids."""
    kinds: list[type[CallbackData]] = [press.data for node, _ in router.walk() for press in node.presses]
    assert len(kinds) >= 6, kinds
    for kind in kinds:
        fields = kind._fields()
        for bad in FORGED_IDS:
            parts: list[str] = []
            for _name, annotation in fields:
                if annotation is int:
                    parts.append(bad)
                elif annotation is str:
                    parts.append(f"N{bad}" if kind.prefix == "bc" else f"2026-11:{bad}"[:20])
                else:
                    parts.append(annotation.__args__[0])
            yield ":".join([kind.prefix, *parts])


@pytest.mark.slow
@pytest.mark.parametrize(("chat", "user"), [("lxy-stewards", "wang"), ("lxy-supervisors", "li")])
async def test_forged_button_data_with_huge_ids_is_answered_clearly(
    harness: Harness, chat: str, user: str
) -> None:
    await harness.say(chat, user, "/help")  # a message of the bot's to press on
    message = harness.sent(chat)[-1]
    datas = list(forged(harness.app.dispatcher.router))
    for data in datas:
        toasts = len(harness.channel.toasts(chat))
        sent = len(harness.sent(chat))
        await harness.press(chat, message, data, user)
        answers = [t.text for t in harness.channel.toasts(chat)[toasts:]]
        answers += [m.text for m in harness.sent(chat)[sent:]]
        assert_clear(answers, f"{data!r} in {chat}")
    await assert_handled_first_time(harness, chat)
