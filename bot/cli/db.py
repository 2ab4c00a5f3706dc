"""`steward db upgrade | current | downgrade REV`: the database's migrations."""

from __future__ import annotations

import argparse
import asyncio

from bot.app.settings import Settings
from bot.cli.command import Command, Subparsers
from storage.db import create_engine, current_revision, downgrade, head_revision, upgrade


def register(sub: Subparsers) -> None:
    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate the database to the latest schema")
    db_sub.add_parser("current", help="show the database's schema revision")
    down = db_sub.add_parser("downgrade", help="migrate down to a revision")
    down.add_argument("revision")


async def migrate(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.database_url)
    try:
        if args.db_command == "upgrade":
            await upgrade(engine)
            print(f"database at revision {await current_revision(engine)} (latest {head_revision()})")
        elif args.db_command == "current":
            print(f"{await current_revision(engine) or 'not migrated'} (latest {head_revision()})")
        else:
            await downgrade(engine, args.revision)
            print(f"database at revision {await current_revision(engine)}")
    finally:
        await engine.dispose()
    return 0


COMMAND = Command(("db",), register, lambda settings, args: asyncio.run(migrate(settings, args)))
