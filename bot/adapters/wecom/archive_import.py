"""`steward wecom import-archive FILE.jsonl`: WeCom chat-archive records into the intake.

WeCom's robots see only @-mentions; the chat archive (会话内容存档) has every group message.
The company's archive puller (GetChatData + DecryptData of WeCom's archive SDK) writes the
decrypted records, one JSON object per line; each becomes an `Incoming` and goes through
the app's `handle`, the same path as live traffic: logged, classified, tickets opened, opinion
watched. Replies (acknowledgements, cards) are queued in the outbox and sent by the running
`steward run`, which shares the database.

What is not imported, and why:
- **commands** ("/my", "/bind 1234"): never executed from the archive. A command meant for
  Steward was addressed to the robot and answered live; one that was not is not ours to
  run, and running it hours later could bind chats or move tickets. They are skipped.
- **messages that @-mention a robot** (any of `STEWARD_WECOM_ROBOT_NAMES`): the robot's
  callback delivered them live (under another msgid); importing them would answer twice.
- **what a robot said** (a sender in `STEWARD_WECOM_ROBOT_IDS`): Steward's own cards and
  answers are not owners' messages.
- **direct chats** (no `roomid`): an owner's direct message to the robot reached it live and
  went through the owner's flow; a private chat between people (an owner and a steward, two
  staff) is theirs, not the property's record: nothing of it is stored.
- **recall / switch records**: no message.
- **records older than `--max-age` hours** (default 24): a first import of months of history
  must not open tickets and post acknowledgements for long-settled matters.

Idempotent by msgid: a record is delivered with its msgid as the message id, and the inbox
and the router recognise a delivery they stored or handled before (`processed_deliveries`),
so re-importing a file, or an overlapping one, imports nothing twice; those records are
counted as duplicates. A bad line is reported with its line number and skipped; the import
goes on. A record that cannot be stored (the database is unavailable) stops the import at
that line, reported in one line: running it again takes up where it stopped. A record stored
but not handled (its handling failed) is the inbox's to retry, in the running `steward run`.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.adapters.wecom.archive import iter_archive
from bot.core.channel import Deliver
from bot.core.events import ChatType, Incoming, MessageKind

SKIP_COMMAND = "commands"
SKIP_MENTION = "robot mentions (answered live)"
SKIP_ROBOT = "said by a robot"
SKIP_PRIVATE = "direct chats (not stored)"
SKIP_NO_MESSAGE = "recall/switch"
SKIP_TOO_OLD = "older than --max-age"


@dataclass
class ImportSummary:
    lines: int = 0  # non-blank lines read
    imported: int = 0
    duplicates: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)
    stopped: tuple[int, str] | None = None  # (line number, why): a record that was not stored


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def skip_reason(
    incoming: Incoming,
    robot_names: Collection[str],
    cutoff_age: timedelta | None,
    now: datetime,
    robot_ids: Collection[str] = (),
) -> str | None:
    if incoming.chat_type is ChatType.PRIVATE:
        return SKIP_PRIVATE
    if incoming.sender_id in robot_ids:
        return SKIP_ROBOT
    if incoming.kind is MessageKind.COMMAND:
        return SKIP_COMMAND
    if any(f"@{name}" in incoming.text for name in robot_names if name):
        return SKIP_MENTION
    if cutoff_age is not None and incoming.sent_at < now - cutoff_age:
        return SKIP_TOO_OLD
    return None


async def import_archive(
    deliver: Deliver,
    handled: Callable[[Incoming], Awaitable[bool]],
    path: Path,
    *,
    now: datetime,
    robot_names: Collection[str] = (),
    robot_ids: Collection[str] = (),
    max_age_hours: float = 24.0,
    progress: bool = False,
    console: Console | None = None,
) -> ImportSummary:
    """Feed every record of `path` to `deliver` (the app's entry point; no sender needed:
    replies wait in the outbox), skipping those `handled` says were handled before."""
    summary = ImportSummary()
    cutoff = timedelta(hours=max_age_hours) if max_age_hours > 0 else None
    bar = Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        disable=not progress,
        transient=True,
    )
    with bar:
        task = bar.add_task("import", total=count_lines(path) if progress else None)
        for line_no, incoming, error in iter_archive(path):
            summary.lines += 1
            bar.advance(task)
            if error is not None:
                summary.bad.append((line_no, error))
                continue
            if incoming is None:
                summary.skipped[SKIP_NO_MESSAGE] += 1
                continue
            reason = skip_reason(incoming, robot_names, cutoff, now, robot_ids)
            if reason is not None:
                summary.skipped[reason] += 1
                continue
            try:
                if await handled(incoming):
                    summary.duplicates += 1
                    continue
                await deliver(incoming)
            except Exception as exc:  # not stored: nothing after it is imported either
                summary.stopped = (line_no, f"not stored ({type(exc).__name__}); run the import again")
                break
            summary.imported += 1
    return summary


def print_summary(path: Path, summary: ImportSummary, out: TextIO | None = None) -> None:
    """One line of counts, then one line per bad line (plain text: cron mails it, scripts read it)."""
    out = out or sys.stdout
    skipped = sum(summary.skipped.values())
    detail = ", ".join(f"{n} {why}" for why, n in sorted(summary.skipped.items()))
    print(
        f"{path}: {summary.lines} lines, {summary.imported} imported, {summary.duplicates} duplicates, "
        f"{skipped} skipped{f' ({detail})' if detail else ''}, {len(summary.bad)} bad",
        file=out,
    )
    for line_no, why in summary.bad:
        print(f"  line {line_no}: {why}", file=out)
    if summary.stopped is not None:
        line_no, why = summary.stopped
        print(f"  stopped at line {line_no}: {why}", file=out)
