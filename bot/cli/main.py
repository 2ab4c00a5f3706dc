"""The `steward` command. Every failure a user can cause ends in one clear line, exit 2."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.app.settings import ConfigError, Settings
from storage.db import DatabaseError

log = logging.getLogger("steward")


def configure_logging(level: str) -> None:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="steward", description="Steward, the property steward bot.")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate the database to the latest schema")
    db_sub.add_parser("current", help="show the database's schema revision")
    down = db_sub.add_parser("downgrade", help="migrate down to a revision")
    down.add_argument("revision")

    sub.add_parser("demo", help="play a scripted scenario on a local simulated chat")
    chat = sub.add_parser("chat", help="an interactive local chat: type as an owner or a steward")
    chat.add_argument(
        "--at",
        type=instant,
        help='start the clock at this time, with its offset, e.g. "2026-12-07T10:00+08:00" '
        "(working hours and SLA timers follow it; default: now)",
    )

    admin = sub.add_parser("admin", help="administration")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    bind = admin_sub.add_parser("bind-code", help="create a one-time code a chat uses to join: /bind CODE")
    bind.add_argument("--community", required=True, help="community code, e.g. lxy")
    bind.add_argument("--role", default="owners", choices=["owners", "stewards", "supervisors", "management"])
    bind.add_argument("--buildings", default="", help="comma-separated buildings this group covers")
    bind.add_argument("--hours", type=float, default=24.0, help="how long the code stays valid")

    sub.add_parser("run", help="run Steward on its platforms (Telegram, WeCom) until SIGINT/SIGTERM")
    telegram = sub.add_parser("telegram", help="Telegram tools")
    telegram_sub = telegram.add_subparsers(dest="telegram_command", required=True)
    telegram_sub.add_parser("chats", help="list the Telegram chats the bot has seen (to find ids to bind)")
    telegram_sub.add_parser("set-commands", help="register the command menu (zh-Hant, zh-Hans, en)")
    wecom = sub.add_parser("wecom", help="WeCom tools")
    wecom_sub = wecom.add_subparsers(dest="wecom_command", required=True)
    wecom_sub.add_parser("chats", help="list the WeCom chats the robots have heard from")
    archive = wecom_sub.add_parser(
        "import-archive", help="import chat-archive records (会话内容存档, decrypted, one JSON per line)"
    )
    archive.add_argument("file", help="a .jsonl file of decrypted archive records")
    archive.add_argument(
        "--max-age", type=float, default=24.0, help="skip records older than this many hours (0: none)"
    )

    classify = sub.add_parser("classify", help="classify a message (or --json: one per line on stdin)")
    classify.add_argument("rest", nargs=argparse.REMAINDER)
    rules = sub.add_parser("rules", help="classifier rules")
    rules.add_argument("rest", nargs=argparse.REMAINDER)
    add_opinion_parsers(sub)
    add_broadcast_parsers(sub)
    return parser


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    from storage.db import create_engine, current_revision, downgrade, head_revision, upgrade

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


async def _bind_code(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app.root import build_app
    from handlers.membership.service import create_bind_code

    app = build_app(settings)
    try:
        await app.start(channels=False, sender=False, scheduler=False)
        buildings = [b.strip() for b in args.buildings.split(",") if b.strip()]
        async with app.runtime.transaction() as store:
            try:
                code = await create_bind_code(
                    store,
                    args.community,
                    args.role,
                    buildings,
                    app.services.clock.now(),
                    timedelta(hours=args.hours),
                )
            except ValueError as exc:
                raise ConfigError(str(exc)) from exc
            print(f"{code.code}  (send `/bind {code.code}` in the chat within {args.hours:g} h; one use)")
    finally:
        await app.stop()
    return 0


async def _chats(settings: Settings, platform: str) -> int:
    from bot.app.root import build_app
    from bot.cli.chats import print_chats

    app = build_app(settings)
    try:
        await app.start(channels=False, sender=False, scheduler=False)
        await print_chats(app, platform)
    finally:
        await app.stop()
    return 0


async def _telegram(settings: Settings, args: argparse.Namespace) -> int:
    if args.telegram_command == "chats":
        return await _chats(settings, "telegram")
    from bot.app.platforms import build_telegram

    if not settings.telegram_token:
        raise ConfigError("STEWARD_TELEGRAM_TOKEN: not set")
    channel = build_telegram(settings)
    try:
        await channel.connect()
        await channel.set_commands()
    except RuntimeError as exc:
        raise ConfigError(str(exc)) from exc
    finally:
        await channel.stop()
    print(f"command menu registered for @{channel.bot_username} (default zh-Hant, zh, en)")
    return 0


async def _wecom(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.adapters.wecom.archive_import import import_archive, print_summary
    from bot.app.root import build_app

    if args.wecom_command == "chats":
        return await _chats(settings, "wecom")
    path = Path(args.file)
    if not await asyncio.to_thread(path.is_file):
        raise ConfigError(f"{path}: no such file")
    app = build_app(settings)
    try:
        await app.start(channels=False, sender=False, scheduler=False)
        summary = await import_archive(
            app.handle,
            app.handled_before,
            path,
            now=app.services.clock.now(),
            robot_name=settings.wecom_robot_name,
            max_age_hours=args.max_age,
            progress=True,
        )
    finally:
        await app.stop()
    print_summary(path, summary)
    return 1 if summary.bad else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # `classify` and `rules` hand their arguments to nlp/cli.py's own parsers; argparse's
    # REMAINDER does not take options that come first (`steward classify --json`), so options
    # it does not know are passed on for those two commands and refused for the others.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        if args.command not in ("classify", "rules"):
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        args.rest = [*unknown, *args.rest]
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        if args.command == "db":
            return asyncio.run(_db(settings, args))
        if args.command == "admin":
            return asyncio.run(_bind_code(settings, args))
        if args.command in ("opinion", "report"):
            return asyncio.run(_opinion(settings, args))
        if args.command in ("notice", "outage"):
            return asyncio.run(_broadcasts(settings, args))
        if args.command == "run":
            from bot.app.serve import run

            return asyncio.run(run(settings))
        if args.command == "telegram":
            return asyncio.run(_telegram(settings, args))
        if args.command == "wecom":
            return asyncio.run(_wecom(settings, args))
        if args.command == "demo":
            from bot.demo.play import run_demo

            tickets = asyncio.run(run_demo())
            return 0 if tickets else 1
        if args.command == "chat":
            from bot.demo.interactive import run_chat

            return asyncio.run(run_chat(settings, start=args.at))
        if args.command == "classify":
            from nlp.cli import classify_main

            return classify_main(list(args.rest), sys.stdin, sys.stdout)
        if args.command == "rules":
            from nlp.cli import rules_check_main

            rest = list(args.rest)
            if not rest or rest[0] != "check":
                print("usage: steward rules check [--rules FILE] [--corpus FILE]", file=sys.stderr)
                return 2
            return rules_check_main(rest[1:], sys.stdout)
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
    return 2


# -- opinion and reports (issue 8): `steward opinion report|feedback`, `steward report` --------


def instant(text: str) -> datetime:
    """'2026-12-07T10:00+08:00' -> an aware datetime (the offset is required: no guessing the zone)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a time like 2026-12-07T10:00+08:00, got {text!r}"
        ) from None
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give the time's UTC offset, e.g. {text}+08:00")
    return when


def since(text: str) -> timedelta:
    """'7d', '24h', '2w', '90m' -> a timedelta."""
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) <= 0:
        raise argparse.ArgumentTypeError(f"expected a period like 7d, 24h, 2w or 90m, got {text!r}")
    return timedelta(**{units[unit]: int(number)})


def add_opinion_parsers(sub: Any) -> None:
    opinion = sub.add_parser("opinion", help="public-opinion monitoring")
    opinion_sub = opinion.add_subparsers(dest="opinion_command", required=True)
    report = opinion_sub.add_parser("report", help="the opinion digest of each community for a period")
    report.add_argument("--since", type=since, default=timedelta(days=7), help="e.g. 7d (default), 24h, 2w")
    report.add_argument("--community", help="one community code (default: all)")
    feedback = opinion_sub.add_parser("feedback", help="staff verdicts on alerts (误报 etc.) as CSV")
    feedback.add_argument("--since", type=since, help="only verdicts this recent, e.g. 30d")
    feedback.add_argument("--out", type=Path, help="file to write (default: standard output)")
    service = sub.add_parser("report", help="a community's service report: CSV, PNG charts, owner summary")
    service.add_argument("--community", required=True, help="community code, e.g. lxy")
    period = service.add_mutually_exclusive_group(required=True)
    period.add_argument("--month", help="e.g. 2026-11")
    period.add_argument("--week", help="an ISO week, e.g. 2026-W47")
    service.add_argument("--out", type=Path, required=True, help="directory to write the files to")


async def _opinion(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app.root import build_app
    from handlers.opinion import chat as opinion
    from handlers.reports import chat as reports
    from handlers.reports.charts import FontMissing

    app = build_app(settings)
    try:
        await app.start(channels=False, sender=False, scheduler=False)
        if args.command == "report":
            paths = await reports.export(app.runtime, args.community, args.month or args.week, args.out)
            for path in paths:
                print(path)
        elif args.opinion_command == "report":
            print(await opinion.report_text(app.runtime, args.since, args.community))
        else:
            start = app.runtime.now - args.since if args.since else None
            text = await opinion.export_feedback(app.runtime, start)
            if args.out:
                args.out.write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
    except (LookupError, ValueError, FontMissing) as exc:
        raise ConfigError(str(exc)) from exc
    finally:
        await app.stop()
    return 0


# -- broadcasts (issue 7): `steward notice send|list|status|cancel|pause|resume|delete|template`,
# `steward outage announce|restored|cancel|list`. The CLI writes the tables and the outbox; the
# running Steward's sender delivers, and its broadcast tick (every minute) picks up schedules.


def add_broadcast_parsers(sub: Any) -> None:
    notice = sub.add_parser("notice", help="notices to owner groups: send, list, status, cancel, ...")
    notice_sub = notice.add_subparsers(dest="notice_command", required=True)
    send = notice_sub.add_parser("send", help="preview a notice, then send or schedule it once confirmed")
    where = send.add_mutually_exclusive_group(required=True)
    where.add_argument("--community", help="community code, e.g. lxy")
    where.add_argument("--all-communities", action="store_true", help="every community")
    send.add_argument("--buildings", help="only these buildings' groups, e.g. 3-5 or 3,5")
    when = send.add_mutually_exclusive_group()
    when.add_argument("--at", help='local time in each community, e.g. "2026-11-25 09:00"')
    when.add_argument("--every", help='a 5-field cron in the community\'s time zone, e.g. "0 9 * * 1"')
    send.add_argument("--urgent", action="store_true", help="send at once, even in quiet hours")
    send.add_argument("--template", help="a saved template; the text fills its {text}")
    send.add_argument("--yes", action="store_true", help="confirm without asking")
    send.add_argument("text", nargs="*", help="the notice")
    listing = notice_sub.add_parser("list", help="recent notices and live schedules")
    listing.add_argument("--community", help="community code (default: all)")
    for name, text in (
        ("status", "delivery report of N12 / S3 / T4"),
        ("cancel", "cancel N12 (withdraws what is not sent yet), delete S3, call off T4"),
        ("pause", "pause N12 (scheduled) or S3"),
        ("resume", "resume N12 or S3"),
        ("delete", "delete schedule S3"),
    ):
        notice_sub.add_parser(name, help=text).add_argument("ref")
    template = notice_sub.add_parser("template", help="save a template (checked: unknown variables refused)")
    template.add_argument("name")
    template.add_argument("body")
    outage = sub.add_parser("outage", help="water / power / gas outage announcements")
    outage_sub = outage.add_subparsers(dest="outage_command", required=True)
    announce = outage_sub.add_parser("announce", help="announce an outage (with reminders), once confirmed")
    announce.add_argument("--community", required=True)
    announce.add_argument("--utility", required=True, choices=["water", "power", "gas"])
    announce.add_argument("--buildings", help="e.g. 3-5 (default: every building)")
    announce.add_argument("--date", required=True, help="e.g. 2026-11-25")
    announce.add_argument("--time", required=True, help="e.g. 09:00-17:00")
    announce.add_argument("--urgent", action="store_true")
    announce.add_argument("--yes", action="store_true", help="confirm without asking")
    announce.add_argument("reason", nargs="*")
    restored = outage_sub.add_parser("restored", help="tell the groups supply is back (T4)")
    restored.add_argument("ref")
    outage_sub.add_parser("cancel", help="call off an outage (T4)").add_argument("ref")
    outage_sub.add_parser("list", help="recent and coming outages").add_argument("--community", required=True)


async def _broadcasts(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app.root import build_app
    from bot.core.errors import DomainError
    from bot.core.roles import Role
    from handlers.broadcasts import notices, outages
    from handlers.broadcasts.fanout import Actor, Speaker
    from handlers.broadcasts.request import parse_notice, parse_outage

    app = build_app(settings)
    speaker = Speaker(app.services.texts, "zh-Hans")
    actor = Actor("cli", Role.ADMIN, None)
    command = args.notice_command if args.command == "notice" else "outage-" + args.outage_command
    try:
        await app.start(channels=False, sender=False, scheduler=False)
        async with app.runtime.transaction() as store:
            now = app.runtime.now
            community = None
            if getattr(args, "community", None):
                community = await store.directory.community_by_code(args.community)
                if community is None:
                    raise DomainError("bc.err.community", code=args.community)
            today = now.date()
            if command == "send":
                words = ["所有小区" if args.all_communities else "全体"]
                if args.buildings:
                    words = [f"--to b:{args.buildings}"]
                words += [f"--at {args.at}"] if args.at else []
                words += [f'--every "{args.every}"'] if args.every else []
                words += ["--urgent"] if args.urgent else []
                words += [f"--template {args.template}"] if args.template else []
                request = parse_notice(" ".join([*words, "--", *args.text]), today)
                preview = await notices.draft_notice(
                    store, app.services, request, actor, community, now, speaker
                )
                ref, text = preview.ref, preview.text
            elif command == "outage-announce":
                words = [
                    args.utility,
                    f"b:{args.buildings}" if args.buildings else "全体",
                    args.date,
                    args.time,
                ]
                words += ["--urgent"] if args.urgent else []
                request_o = parse_outage(" ".join([*words, "--", *args.reason]), today)
                ref, text = await outages.draft_outage(
                    store, app.services, request_o, actor, community, now, speaker
                )
            elif command == "list":
                text, ref = await notices.list_notices(store, actor, community, speaker), ""
            elif command == "status":
                text, ref = await notices.status_report(store, args.ref, actor, speaker), ""
            elif command == "cancel":
                text, ref = await notices.cancel(store, app.services, args.ref, actor, now, speaker), ""
            elif command == "pause":
                text, ref = await notices.pause(store, args.ref, actor, speaker), ""
            elif command == "resume":
                text, ref = await notices.resume(store, app.services, args.ref, actor, now, speaker), ""
            elif command == "delete":
                kind, number = notices.parse_ref(args.ref, default="S")
                text, ref = (
                    await notices.cancel(store, app.services, f"{kind}{number}", actor, now, speaker),
                    "",
                )
            elif command == "template":
                text, ref = await notices.save_template(store, args.name, args.body, actor, now, speaker), ""
            elif command == "outage-restored":
                number = notices.parse_ref(args.ref, default="T")[1]
                text, ref = await outages.restore_outage(store, app.services, number, actor, now, speaker), ""
            elif command == "outage-cancel":
                number = notices.parse_ref(args.ref, default="T")[1]
                text, ref = await outages.cancel_outage(store, app.services, number, actor, now, speaker), ""
            else:
                assert community is not None
                text, ref = await outages.list_outages(store, community, now, speaker), ""
        print(text)
        if not ref:
            return 0
        if not args.yes:
            if not sys.stdin.isatty():
                print(
                    f"steward: not confirmed; run again with --yes (draft {ref} stays unsent)",
                    file=sys.stderr,
                )
                return 2
            answer = await asyncio.to_thread(input, "确认发送？[y/N] ")
            if answer.strip().lower() not in ("y", "yes", "是"):
                async with app.runtime.transaction() as store:
                    print(await notices.discard(store, ref, actor, app.runtime.now, speaker))
                return 1
        async with app.runtime.transaction() as store:
            print(await notices.confirm(store, app.services, ref, actor, app.runtime.now, speaker))
        return 0
    except DomainError as exc:
        print(f"steward: {speaker.t(exc.key, **exc.values)}", file=sys.stderr)
        return 2
    finally:
        await app.stop()


if __name__ == "__main__":
    raise SystemExit(main())
