"""`steward classify` and `steward rules check`: nlp/'s own command line, under `steward`."""

from __future__ import annotations

import argparse
import sys

from bot.app.settings import Settings
from bot.cli.command import Command, Subparsers
from nlp.cli import classify_main, rules_check_main

# Their arguments go to nlp/cli.py's own parsers untouched (`main` passes on the options
# argparse's REMAINDER does not take when they come first, e.g. `steward classify --json`).
PASS_THROUGH = ("classify", "rules")


def register(sub: Subparsers) -> None:
    classify = sub.add_parser("classify", help="classify a message (or --json: one per line on stdin)")
    classify.add_argument("rest", nargs=argparse.REMAINDER)
    rules = sub.add_parser("rules", help="classifier rules")
    rules.add_argument("rest", nargs=argparse.REMAINDER)


def run(settings: Settings, args: argparse.Namespace) -> int:
    rest = list(args.rest)
    if args.command == "classify":
        return classify_main(rest, sys.stdin, sys.stdout)
    if not rest or rest[0] != "check":
        print("usage: steward rules check [--rules FILE] [--corpus FILE]", file=sys.stderr)
        return 2
    return rules_check_main(rest[1:], sys.stdout)


COMMAND = Command(PASS_THROUGH, register, run)
