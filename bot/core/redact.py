"""One layer between every log call and every log handler that takes secrets, SQL parameters,
payloads and quoted message text out of log records.

What leaks without it (issue 18): an httpx or python-telegram-bot error carries the request URL,
and a Telegram URL holds the bot token (`/bot123:AA…/sendMessage`); a WeCom URL holds
`access_token=` or a group robot's `key=`; a Bot API `BadRequest` may quote the message it
refused; a SQLAlchemy error prints `[parameters: (…)]` unless its engine hides them (ours do:
`storage.db.create_engine`, used by the app, the sender's engine and Alembic); a `repr` of an
outbox payload is the message itself.

`install()` sets a log record factory, so the scrubbing happens once, when the record is made,
whatever handler (the console, a file, pytest's capture, a collector) receives it later:

- the message is formatted and scrubbed, its arguments dropped;
- an exception is formatted (traceback and message) and scrubbed into `exc_text`, which every
  `logging.Formatter` prints instead of formatting the exception again.

Scrubbing replaces: every registered secret (the bot token, the WeCom keys and tokens, the
robots' webhook keys: `add_secrets`), anything shaped like a Telegram bot token, the values of
secret-looking URL query parameters and a URL's password, SQL parameter lists, and quoted
strings that look like prose (any non-ASCII character, a space or a run of seven digits:
message text or a phone number, never an identifier). Log calls themselves carry ids and labels, never message text (a rule of the
project); this layer is the net under that rule, for what libraries put in their errors.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

_TELEGRAM_TOKEN = re.compile(r"\b\d{5,16}:[A-Za-z0-9_-]{20,}")
_QUERY_SECRET = re.compile(
    r"(?i)\b(access_token|corpsecret|secret|key|token|password|passwd|sig|signature|msg_signature"
    r"|encodingaeskey|aes_key)=([^&\s'\"<>]+)"
)
_URL_PASSWORD = re.compile(r"(://[^/\s:@]+:)([^@\s/]+)(@)")
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\(Background|$))", re.DOTALL | re.MULTILINE)
# A quoted string with prose in it: a non-ASCII character or a space. Quotes of every kind a
# library or a message uses: '…', "…", 「…」, “…”.
_QUOTED = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"|「([^」\n]*)」|“([^”\n]*)”")

_DIGITS = re.compile(r"\d{7,}")  # a phone number on its own
_NON_ASCII = re.compile(r"[^\x00-\x7f](?:[^\n'\"]*[^\x00-\x7f])?")
_PERSONAL = re.compile(r"(?<![\d-])(?:1[3-9]\d{9}|\d{17}[\dXx])(?![\d])")
REDACTED = "<redacted>"


class _Secrets:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.values: tuple[str, ...] = ()

    def add(self, values: Iterable[str | None]) -> None:
        with self._lock:
            found = {v for v in values if v and len(v) >= 8}
            self.values = tuple(sorted(set(self.values) | found, key=len, reverse=True))


_SECRETS = _Secrets()


def add_secrets(values: Iterable[str | None]) -> None:
    """Values never to appear in a log line (tokens, keys, passwords); those under 8 characters
    are ignored (they would blank ordinary words: a test password "steward")."""
    _SECRETS.add(values)


def _prose(match: re.Match[str]) -> str:
    inner = next(g for g in match.groups() if g is not None)
    if inner and (not inner.isascii() or " " in inner.strip() or _DIGITS.search(inner)):
        opening, closing = match.group(0)[0], match.group(0)[-1]
        return f"{opening}{REDACTED}{closing}"
    return match.group(0)


def scrub(text: str) -> str:
    """`text` without secrets, SQL parameters, quoted prose, Chinese text or phone numbers."""
    for secret in _SECRETS.values:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _TELEGRAM_TOKEN.sub(REDACTED, text)
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}***{m.group(3)}", text)
    text = _SQL_PARAMETERS.sub("[parameters hidden]", text)
    text = _QUOTED.sub(_prose, text)
    # What quotes do not hold (an apostrophe in "Can't" unbalances them): any stretch of
    # non-ASCII text (log lines are English; Chinese in one is a message or a name), phone
    # numbers and ID-card numbers.
    text = _NON_ASCII.sub(REDACTED, text)
    return _PERSONAL.sub(REDACTED, text)


_formatter = logging.Formatter()
_installed: Callable[..., logging.LogRecord] | None = None


def _scrubbed(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: log what can be said
        message = str(record.msg)
    record.msg, record.args = scrub(message), None
    if record.exc_info and record.exc_info[1] is not None:
        # Formatters print `exc_text` when it is set, never formatting the exception again.
        record.exc_text = scrub(_formatter.formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    return record


def install() -> None:
    """Scrub every log record from now on, in this process (idempotent)."""
    global _installed
    current = logging.getLogRecordFactory()
    if _installed is not None and current is _installed:
        return
    inner = current

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _scrubbed(inner(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = factory
