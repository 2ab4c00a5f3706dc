"""The `steward` command: one module per command group under `bot/cli/`, assembled here.
Every failure a user can cause ends in one clear line, exit 2."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from pydantic import ValidationError

from bot.app.settings import ConfigError, Settings
from bot.cli import admin, broadcasts, db, feedback, fees, inbox, live, nlp, opinion, reports, telegram, wecom
from bot.cli.command import Command
from bot.core import redact
from storage.db import DatabaseError

log = logging.getLogger("steward")

COMMANDS: tuple[Command, ...] = (
    db.COMMAND,
    live.DEMO,
    live.CHAT,
    admin.COMMAND,
    live.RUN,
    telegram.COMMAND,
    wecom.COMMAND,
    nlp.COMMAND,
    feedback.COMMAND,
    opinion.COMMAND,
    reports.COMMAND,
    broadcasts.COMMAND,
    fees.COMMAND,
    inbox.COMMAND,
)


def configure_logging(level: str) -> None:
    redact.install()  # secrets, SQL parameters and quoted text out of every record (bot/core/redact.py)
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("jieba", "httpx", "apscheduler", "aiosqlite", "telegram.ext"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "STEWARD_" + str(err["loc"][0]).upper() if err["loc"] else "settings"
        raise ConfigError(f"{name}: {err['msg']}") from exc


class OneLineParser(argparse.ArgumentParser):
    """A bad argument is one line on stderr (exit 2), as every other failure a user can cause;
    `--help` still shows the usage. Subparsers are made of the same class."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="steward", description="Steward, the property steward bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # `classify` and `rules` hand their arguments to nlp/cli.py's own parsers; argparse's
    # REMAINDER does not take options that come first (`steward classify --json`), so options
    # it does not know are passed on for those two commands and refused for the others.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        if args.command not in nlp.PASS_THROUGH:
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        args.rest = [*unknown, *args.rest]
    by_name = {name: command for command in COMMANDS for name in command.names}
    # Whatever Steward writes (the SQLite database and its WAL, reports, charts, caches) is
    # readable by its own user only: directories 0700, files 0600.
    os.umask(0o077)
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        return by_name[args.command].run(settings, args)
    except (ConfigError, DatabaseError) as exc:
        print(f"steward: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`steward classify --json < big | head`): no traceback, and no
        # second error when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
