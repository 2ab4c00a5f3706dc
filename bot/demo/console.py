"""Rendering the local channel's transcript in a terminal with rich: one colour per chat."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.adapters.local.channel import LocalMessage

PALETTE = ["cyan", "green", "magenta", "yellow", "blue", "bright_red", "bright_cyan", "bright_green"]


class TranscriptPrinter:
    def __init__(self, console: Console, titles: dict[str, str]) -> None:
        self.console = console
        self.titles = titles
        self.colours: dict[str, str] = {}

    def colour(self, chat_id: str) -> str:
        if chat_id not in self.colours:
            self.colours[chat_id] = PALETTE[len(self.colours) % len(PALETTE)]
        return self.colours[chat_id]

    def __call__(self, message: LocalMessage) -> None:
        colour = self.colour(message.chat_id)
        title = escape(self.titles.get(message.chat_id, message.chat_id))
        who = "🤖 Steward" if message.from_bot else escape(message.sender_name)
        head = f"[{colour}]\\[{title}][/{colour}] [bold]{who}[/bold]"
        body = escape(message.text) if message.text or message.from_bot else f"[dim]（{message.kind}）[/dim]"
        extra = ""
        if message.outgoing is not None:
            if message.outgoing.mentions:
                extra += "  " + " ".join(
                    f"[bold blue]@{escape(m.name)}[/bold blue]" for m in message.outgoing.mentions
                )
            if message.outgoing.buttons:
                labels = " ".join(
                    f"[reverse] {escape(b.label)} [/reverse]" for row in message.outgoing.buttons for b in row
                )
                extra += "\n    " + labels
            if message.outgoing.image_path:
                extra += f"\n    🖼  {escape(message.outgoing.image_path)}"
            if message.outgoing.photo:
                extra += f"\n    📷 {escape(message.outgoing.photo)}"
        indent = "\n    "
        self.console.print(f"{head}: {body.replace(chr(10), indent)}{extra}")


def ticket_table(rows: Sequence[Sequence[str]], title: str) -> Table:
    table = Table(title=title)
    for column in ("工单", "类型", "类别", "优先级", "状态", "位置", "责任人"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    return table
