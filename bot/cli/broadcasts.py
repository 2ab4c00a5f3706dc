"""`steward notice send|list|status|cancel|pause|resume|delete|template` and
`steward outage announce|restored|cancel|list`. The command writes the tables and the outbox;
the running Steward's sender delivers, and its broadcast tick (every minute) picks up schedules.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date

from bot.app.policies import broadcast_policy
from bot.app.root import build_app
from bot.app.settings import Settings
from bot.cli.command import Command, Subparsers
from bot.core.actor import Actor
from bot.core.errors import DomainError
from handlers.broadcasts import BroadcastService
from handlers.broadcasts.records import parse_ref
from handlers.broadcasts.request import (
    NoticeRequest,
    OutageRequest,
    Target,
    checked,
    expand_buildings,
    outage_day,
    time_span,
    wall_time,
)
from handlers.broadcasts.timing import check_cron


def register(sub: Subparsers) -> None:
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
    send.add_argument("--often", action="store_true", help="allow an --every that runs more than once a day")
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


def notice_request(args: argparse.Namespace, today: date) -> NoticeRequest:
    """`notice send`'s options as a request, each read for what it is (the `--community` one
    is looked up by the caller: it is the sender's community)."""
    if args.buildings:
        target = Target("buildings", expand_buildings(args.buildings))
    else:
        target = Target("every") if args.all_communities else Target()
    return checked(
        NoticeRequest(
            target=target,
            at=wall_time(args.at, today) if args.at else None,
            cron=check_cron(args.every).expr if args.every else None,
            urgent=args.urgent,
            template=args.template or None,
            text=" ".join(args.text).strip(),
            often=args.often,
        )
    )


def outage_request(args: argparse.Namespace, today: date) -> OutageRequest:
    """`outage announce`'s options as a request."""
    day, days_ahead = outage_day(args.date, today)
    span = time_span(args.time.strip())
    if span is None:
        raise DomainError("bc.err.outage_span")
    return OutageRequest(
        utility=args.utility,
        target=Target("buildings", expand_buildings(args.buildings)) if args.buildings else Target(),
        day=day,
        days_ahead=days_ahead,
        start=span[0],
        end=span[1],
        urgent=args.urgent,
        reason=" ".join(args.reason).strip(),
    )


async def broadcast(settings: Settings, args: argparse.Namespace) -> int:
    app = build_app(settings)
    service = BroadcastService(app.services.texts, broadcast_policy(settings, app.communities))
    lang = "zh-Hans"
    actor = Actor.admin("cli")
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
                request = notice_request(args, today)
                preview = await service.draft_notice(store, request, actor, community, now, lang)
                ref, text = preview.ref, preview.text
            elif command == "outage-announce":
                outage = outage_request(args, today)
                preview = await service.draft_outage(store, outage, actor, community, now, lang)
                ref, text = preview.ref, preview.text
            elif command == "list":
                text, ref = await service.list_notices(store, actor, community, lang), ""
            elif command == "status":
                text, ref = await service.status_report(store, args.ref, actor, lang), ""
            elif command == "cancel":
                text, ref = await service.cancel(store, args.ref, actor, now, lang), ""
            elif command == "pause":
                text, ref = await service.pause(store, args.ref, actor, lang), ""
            elif command == "resume":
                text, ref = await service.resume(store, args.ref, actor, now, lang), ""
            elif command == "delete":
                text, ref = await service.delete(store, args.ref, actor, now, lang), ""
            elif command == "template":
                text, ref = await service.save_template(store, args.name, args.body, actor, now, lang), ""
            elif command == "outage-restored":
                number = parse_ref(args.ref, default="T")[1]
                text, ref = await service.restore_outage(store, number, actor, now, lang), ""
            elif command == "outage-cancel":
                number = parse_ref(args.ref, default="T")[1]
                text, ref = await service.cancel_outage(store, number, actor, now, lang), ""
            else:
                assert community is not None
                text, ref = await service.list_outages(store, community, now, lang), ""
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
                    print(await service.discard(store, ref, actor, app.runtime.now, lang))
                return 1
        async with app.runtime.transaction() as store:
            print(await service.confirm(store, ref, actor, app.runtime.now, lang))
        return 0
    except DomainError as exc:
        print(f"steward: {app.services.texts.render(exc.key, lang, **exc.values)}", file=sys.stderr)
        return 2
    finally:
        await app.stop()


COMMAND = Command(
    ("notice", "outage"), register, lambda settings, args: asyncio.run(broadcast(settings, args))
)
