"""A fake Telegram Bot API server that speaks the real wire protocol over HTTP on 127.0.0.1.

Point any Bot API client at `FakeTelegramAPI.base_url` (the equivalent of
"https://api.telegram.org/bot"): requests go to `/bot<token>/<method>` as GET query strings,
url-encoded forms (what python-telegram-bot sends, with nested objects JSON-encoded), JSON bodies
or multipart uploads, and answers are the Bot API's `{"ok": true, "result": …}` or
`{"ok": false, "error_code": …, "description": …, "parameters": {…}}`.

Every request is first checked against aiogram's typed Bot API models (`aiogram.methods`): an
unknown parameter or a parameter of the wrong shape is a protocol violation,
answered with a 400 and kept in `violations`; leaving the `async with` block with a violation
recorded fails the test. (Steward runs on python-telegram-bot; aiogram's models are an
independent reading of the same Bot API, so a request both libraries agree on is well-formed.)

What it checks the way Telegram does, so a broken client fails here rather than in production:
HTML parse mode (unsupported tags and unbalanced tags are a 400), text ≤ 4096 and caption ≤ 1024
characters (UTF-16 units, after entity parsing), callback data ≤ 64 bytes, replies to missing
messages, edits of messages that are not the bot's or did not change, deleting another's message
in a group where the bot is no admin (or a message that is gone), answering a callback query
twice, sending to a chat the bot was removed from (403) or that migrated to a supergroup (400 with
`migrate_to_chat_id`), getUpdates while a webhook is set (409), and an optional per-chat flood
check (at most N sends in any sliding window, else 429 with `retry_after`). Like Telegram, it
keeps an update the webhook did not answer 200 (an error status, or no answer) and posts it
again, before any later one (`webhook_retry_delay`).

Tests drive it from the other side: they add users and chats, make users write, edit, press
buttons, add or remove the bot, migrate a group or open forum topics (each becomes an update
served to `getUpdates`, or POSTed to the webhook when one is set), inject faults into the next
calls of a method, hold a method's calls unanswered (a platform that stopped answering; a held
call whose client went away meanwhile, e.g. a killed process, is dropped unserved, as a
request lost on the way), and read back, per chat and in order, what the bot sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import math
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import aiohttp
from aiogram import methods as bot_api
from aiogram.methods.base import TelegramMethod
from aiogram.types import BufferedInputFile
from aiohttp import web
from pydantic import ValidationError

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_TOKEN = "123456789:AAFakeTokenForStewardTests_0123456789"

# Update types Telegram sends when `allowed_updates` is empty or was never set.
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)

# Methods whose calls count against the per-chat flood check.
MESSAGE_METHODS = frozenset({"sendmessage", "sendphoto", "editmessagetext", "editmessagereplymarkup"})

_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "link_preview_options",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
    }
)
_INT_PARAMS = frozenset(
    {
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "max_connections",
        "cache_time",
    }
)
_FLOAT_PARAMS = frozenset({"timeout"})
_BOOL_PARAMS = frozenset(
    {
        "allow_sending_without_reply",
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "has_spoiler",
        "show_caption_above_media",
    }
)

_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_COMMAND_RE = re.compile(r"(?:^|(?<=\s))/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,64})?")
_COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TG_USER_RE = re.compile(r"^tg://user\?id=(\d+)$")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, status: int, description: str, parameters: Mapping[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = dict(parameters or {})

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class FloodCheckError(ApiError):
    """The 429 of the fake's own per-chat flood check (as opposed to an injected one)."""


@dataclass(frozen=True)
class Fault:
    """What the next call of a method should suffer instead of (or before) being served.

    `status` 0 means "serve normally after `delay`" (a slow response); otherwise the call is
    answered with that HTTP status after `delay` and nothing is processed.
    """

    status: int = 0
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    html_body: str | None = None  # a proxy's HTML error page instead of a Bot API JSON body

    @classmethod
    def flood(cls, retry_after: int) -> Fault:
        return cls(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls(status, "Internal Server Error")

    @classmethod
    def bad_gateway(cls) -> Fault:
        page = "<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"
        return cls(502, "Bad Gateway", html_body=page)

    @classmethod
    def kicked(cls) -> Fault:
        return cls(403, "Forbidden: bot was kicked from the supergroup chat")

    @classmethod
    def blocked(cls) -> Fault:
        return cls(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def bad_request(cls, description: str = "Bad Request: chat not found") -> Fault:
        return cls(400, description)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls(0, delay=seconds)


@dataclass
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    is_bot: bool = False
    language_code: str | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass
class FakeChat:
    id: int
    type: str  # "private" | "group" | "supergroup" | "channel"
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    is_forum: bool = False
    bot_status: str = "member"  # member | administrator | left | kicked
    migrated_to: int | None = None
    topics: set[int] = field(default_factory=set)

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title is not None:
            data["title"] = self.title
        if self.first_name is not None:
            data["first_name"] = self.first_name
        if self.username is not None:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data

    @property
    def bot_is_member(self) -> bool:
        return self.bot_status in ("member", "administrator", "creator")


@dataclass(frozen=True)
class UploadedFile:
    name: str  # the multipart part name
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class StoredMessage:
    """A message as the fake server holds it (current state; edits update it in place)."""

    chat_id: int
    message_id: int
    date: int
    from_bot: bool
    payload: dict[str, Any]  # the Bot API Message object
    text: str | None = None  # plain text after entity parsing (text or caption)
    html: str | None = None  # what the client sent, before parsing
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to: int | None = None
    thread_id: int | None = None
    photo: UploadedFile | str | None = None
    edits: int = 0

    @property
    def entities(self) -> list[dict[str, Any]]:
        return list(self.payload.get("entities") or self.payload.get("caption_entities") or [])

    @property
    def button_rows(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        return [list(row) for row in self.reply_markup.get("inline_keyboard", [])]

    @property
    def callback_datas(self) -> list[str]:
        return [b["callback_data"] for row in self.button_rows for b in row if "callback_data" in b]


@dataclass(frozen=True)
class ApiCall:
    """One request the fake served (or refused), in arrival order."""

    method: str  # as the client spelled it, e.g. "sendMessage"
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    content_type: str
    at: float  # time.monotonic() when processing began
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | str | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int | str) else None


@dataclass(frozen=True)
class WebhookDelivery:
    update_id: int
    status: int  # HTTP status the bot answered; 0 when the connection failed
    secret_sent: str | None


@dataclass
class _OpenQuery:
    id: str
    chat_id: int
    message_id: int
    data: str
    created: float


@dataclass
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool
    at: float


# Every Bot API method aiogram models, by its lower-cased name ("sendmessage" -> SendMessage).
BOT_API_METHODS: dict[str, type[TelegramMethod[Any]]] = {
    str(cls.__api_method__).lower(): cls
    for cls in vars(bot_api).values()
    if isinstance(cls, type) and issubclass(cls, TelegramMethod) and hasattr(cls, "__api_method__")
}


def protocol_violation(
    method: str, params: Mapping[str, Any], files: Mapping[str, UploadedFile]
) -> str | None:
    """Why this request is not a well-formed Bot API call according to aiogram's models."""
    model = BOT_API_METHODS.get(method.lower())
    if model is None:
        return None  # Telegram answers 404 Not Found (below)
    known = {name for name in model.model_fields} | {
        f.alias for f in model.model_fields.values() if f.alias is not None
    }
    unknown = sorted(set(params) - known)
    if unknown:
        return f"{method}: unknown parameters {unknown}"
    values = dict(params)
    for name, value in params.items():
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                return f"{method}: {name} attaches {value}, which was not uploaded"
            values[name] = BufferedInputFile(upload.data, upload.filename or upload.name)
    for name, upload in files.items():
        if name in known and name not in values:
            values[name] = BufferedInputFile(upload.data, upload.filename or upload.name)
    try:
        model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        return f"{method}: {problems}"
    return None


def _decode_value(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from exc
    if name in _INT_PARAMS:
        try:
            return int(value)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: invalid {name} specified") from exc
    if name in _FLOAT_PARAMS:
        try:
            return float(value)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: invalid {name} specified") from exc
    if name in _BOOL_PARAMS:
        return value.lower() in ("true", "1")
    if name == "chat_id":
        with contextlib.suppress(ValueError):
            return int(value)
    return value


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: plain text and entities, or ApiError(400) as Telegram answers."""
    out: list[str] = []
    out_len = 0  # UTF-16 units written so far
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i = 0

    def fail(reason: str) -> ApiError:
        return ApiError(400, f"Bad Request: can't parse entities: {reason}")

    while i < len(source):
        char = source[i]
        if char == "<":
            byte_offset = len(source[:i].encode())
            match = _TAG_RE.match(source, i)
            if match is None:
                raise fail(f"Unexpected end of name token at byte offset {byte_offset}")
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in _HTML_ENTITY_TYPES:
                kind = "end" if closing else "start"
                raise fail(f'Unsupported {kind} tag "{name}" at byte offset {byte_offset}')
            if closing:
                if not stack or stack[-1][0] != name:
                    raise fail(
                        f'Unmatched end tag at byte offset {byte_offset}, expected "</{stack[-1][0] if stack else ""}>", found "</{name}>"'
                    )
                tag, start, attrs = stack.pop()
                entity: dict[str, Any] = {
                    "type": _HTML_ENTITY_TYPES[tag],
                    "offset": start,
                    "length": out_len - start,
                }
                if tag == "a":
                    href = attrs.get("href", "")
                    user = _TG_USER_RE.match(href)
                    if user:
                        entity = {
                            "type": "text_mention",
                            "offset": start,
                            "length": out_len - start,
                            "user": {"id": int(user.group(1)), "is_bot": False, "first_name": "?"},
                        }
                    else:
                        entity["url"] = href
                if entity["length"] > 0:
                    entities.append(entity)
            else:
                attrs = {}
                for attr in _ATTR_RE.finditer(match.group(3) or ""):
                    attrs[attr.group(1).lower()] = next((g for g in attr.group(2, 3, 4) if g is not None), "")
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise fail(f'Unsupported start tag "span" at byte offset {byte_offset}')
                stack.append((name, out_len, attrs))
            i = match.end()
        elif char == "&":
            match = _ENTITY_RE.match(source, i)
            if match is None:
                out.append("&")  # Telegram tolerates a bare ampersand
                out_len += 1
                i += 1
                continue
            ref = match.group(1)
            if ref.startswith("#x"):
                decoded = chr(int(ref[2:], 16))
            elif ref.startswith("#"):
                decoded = chr(int(ref[1:]))
            else:
                decoded = _NAMED_ENTITIES[ref]
            out.append(decoded)
            out_len += utf16_len(decoded)
            i = match.end()
        else:
            out.append(char)
            out_len += utf16_len(char)
            i += 1
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    plain = "".join(out)
    # Fill in the names of mentioned users from the text they cover.
    encoded = plain.encode("utf-16-le")
    for entity in entities:
        if entity["type"] == "text_mention":
            start, length = entity["offset"] * 2, entity["length"] * 2
            entity["user"]["first_name"] = encoded[start : start + length].decode("utf-16-le") or "?"
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return plain, entities


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entities Telegram attaches to a user's text."""
    result = []
    for match in _COMMAND_RE.finditer(text):
        result.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return result


class FakeTelegramAPI:
    """The fake server. Use as `async with FakeTelegramAPI() as fake:` or start()/close()."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "StewardTestBot",
        bot_name: str = "Steward",
        rate_limit: int | None = None,
        rate_window: float = 60.0,
        rate_methods: Iterable[str] = MESSAGE_METHODS,
        allow_http_webhook: bool = True,
        webhook_retry_delay: float | None = 0.5,
    ) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0])
        self.bot = FakeUser(id=bot_id, first_name=bot_name, username=bot_username, is_bot=True)
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.rate_methods = frozenset(m.lower() for m in rate_methods)
        self.allow_http_webhook = allow_http_webhook
        # Like Telegram, an update the webhook did not answer 200 is posted again (after this
        # many seconds), before any later one; None: given up after one try.
        self.webhook_retry_delay = webhook_retry_delay

        self.chats: dict[int, FakeChat] = {}
        self.users: dict[int, FakeUser] = {}
        self.calls: list[ApiCall] = []
        self.violations: list[str] = []  # requests aiogram's Bot API models refuse
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.webhook_url: str = ""
        self.webhook_secret: str | None = None
        self.webhook_max_connections: int | None = None
        self.webhook_allowed_updates: list[str] | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.rate_limit_hits: list[ApiCall] = []
        self.deleted: list[StoredMessage] = []  # messages deleteMessage removed, in order

        self._messages: dict[int, dict[int, StoredMessage]] = defaultdict(dict)
        self._sent_order: dict[int, list[int]] = defaultdict(list)
        self._next_message_id: dict[int, int] = defaultdict(lambda: 1)
        self._send_times: dict[int, deque[float]] = defaultdict(deque)
        self._accepted_sends: dict[int, list[float]] = defaultdict(list)
        self._faults: dict[str, deque[Fault | None]] = defaultdict(deque)
        self._holds: dict[str, asyncio.Event] = {}
        self.held: list[str] = []  # methods of the calls being held right now
        self.dropped: list[str] = []  # held calls whose client went away: never served
        self._open_queries: dict[str, _OpenQuery] = {}
        self._pending: list[dict[str, Any]] = []
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._update_ids = itertools.count(700_000_001)
        self._user_ids = itertools.count(5_000_001)
        self._group_ids = itertools.count(4_000_001)
        self._supergroup_ids = itertools.count(1_000_000_001)
        self._file_ids = itertools.count(1)
        # Every file id Telegram handed out (users' photos, the bot's uploads): a sendPhoto
        # naming any other string that is not a URL is refused, as Telegram refuses it.
        self.file_ids: set[str] = set()
        self._query_ids = itertools.count(880_000_001)
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._webhook_queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._webhook_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession()
        self._webhook_task = asyncio.create_task(self._webhook_sender(), name="fake-telegram-webhook")

    async def close(self) -> None:
        self._closing = True
        for method in list(self._holds):
            self.release(method)
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
        if exc[0] is None:
            assert not self.violations, f"Bot API protocol violations: {self.violations}"

    @property
    def base_url(self) -> str:
        """The Bot API base, like "https://api.telegram.org/bot"; the token follows it."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def api_url(self) -> str:
        """The full prefix for this bot's methods: base_url + token."""
        return f"{self.base_url}{self.token}"

    # ---- test side: world building -----------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hant",
    ) -> FakeUser:
        user = FakeUser(
            id=next(self._user_ids),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.users[user.id] = user
        return user

    def add_group(self, title: str, *, supergroup: bool = True, forum: bool = False) -> FakeChat:
        """A group the bot is already a member of."""
        if supergroup:
            chat_id = -(10**12 + next(self._supergroup_ids))
            chat = FakeChat(id=chat_id, type="supergroup", title=title, is_forum=forum)
        else:
            chat = FakeChat(id=-next(self._group_ids), type="group", title=title)
        self.chats[chat.id] = chat
        return chat

    def add_private(self, user: FakeUser) -> FakeChat:
        chat = FakeChat(id=user.id, type="private", first_name=user.first_name, username=user.username)
        self.chats[chat.id] = chat
        return chat

    # ---- test side: what users do (each pushes an update) ------------------------------------

    def push_update(self, payload: Mapping[str, Any]) -> int:
        """Queue a raw update (without update_id); returns the update_id it got."""
        update = {"update_id": next(self._update_ids), **payload}
        if self.webhook_url:
            kind = self._update_kind(update)
            allowed = set(self.webhook_allowed_updates or DEFAULT_ALLOWED_UPDATES)
            if kind in allowed:
                self._webhook_queue.put_nowait(update)
        else:
            self._pending.append(update)
            self._notify()
        return int(update["update_id"])

    def user_says(
        self,
        chat: FakeChat,
        user: FakeUser,
        text: str,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """A user writes `text` in `chat`; returns the Message object pushed as an update."""
        message = self._new_user_message(chat, user, reply_to=reply_to, thread_id=thread_id)
        message["text"] = text
        entities = command_entities(text)
        if entities:
            message["entities"] = entities
        self._store_user_message(chat, message, text=text)
        self.push_update({"message": message})
        return message

    def user_edits(self, chat: FakeChat, message_id: int, text: str) -> dict[str, Any]:
        stored = self._messages[chat.id][message_id]
        if stored.from_bot:
            raise ValueError("users can only edit their own messages")
        edited = dict(stored.payload)
        edited.pop("entities", None)
        edited["text"] = text
        entities = command_entities(text)
        if entities:
            edited["entities"] = entities
        edited["edit_date"] = max(int(time.time()), stored.date + 1)
        stored.payload = edited
        stored.text = text
        stored.edits += 1
        self.push_update({"edited_message": edited})
        return edited

    def user_sends_media(
        self,
        chat: FakeChat,
        user: FakeUser,
        kind: str,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """kind: "sticker", "voice", "photo", "document" or "video"; a photo comes in every
        size Telegram makes of it, smallest first, as the Bot API sends it."""
        message = self._new_user_message(chat, user, reply_to=reply_to)
        file_id = f"FILE{next(self._file_ids):06d}"
        if kind == "sticker":
            message["sticker"] = {
                "file_id": file_id,
                "file_unique_id": f"U{file_id}",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
                "emoji": "👍",
            }
        elif kind == "voice":
            message["voice"] = {
                "file_id": file_id,
                "file_unique_id": f"U{file_id}",
                "duration": 3,
                "mime_type": "audio/ogg",
            }
        elif kind == "photo":
            message["photo"] = self._photo_sizes(file_id, 0)
        elif kind == "document":
            message["document"] = {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_name": "a.pdf"}
        elif kind == "video":
            message["video"] = {
                "file_id": file_id,
                "file_unique_id": f"U{file_id}",
                "width": 640,
                "height": 480,
                "duration": 5,
            }
        else:
            raise ValueError(f"unknown media kind {kind!r}")
        if caption is not None:
            message["caption"] = caption
            entities = command_entities(caption)
            if entities:
                message["caption_entities"] = entities
        self._store_user_message(chat, message, text=caption)
        self.push_update({"message": message})
        return message

    def user_presses(self, chat: FakeChat, user: FakeUser, message_id: int, data: str) -> str:
        """A user presses the inline button carrying `data` on the bot's message; returns the query id."""
        stored = self._messages[chat.id].get(message_id)
        if stored is None or not stored.from_bot:
            raise ValueError(f"no bot message {message_id} in chat {chat.id}")
        if data not in stored.callback_datas:
            raise ValueError(
                f"message {message_id} has no button with data {data!r}: {stored.callback_datas}"
            )
        query_id = str(next(self._query_ids))
        self._open_queries[query_id] = _OpenQuery(query_id, chat.id, message_id, data, time.monotonic())
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_api(),
                    "message": stored.payload,
                    "chat_instance": str(abs(chat.id) * 7 % 10**9),
                    "data": data,
                }
            }
        )
        return query_id

    def bot_added(self, chat: FakeChat, by: FakeUser, *, admin: bool = False) -> None:
        """`by` adds the bot to `chat` (my_chat_member plus the new_chat_members service message)."""
        old = chat.bot_status
        chat.bot_status = "administrator" if admin else "member"
        self._push_member_change(chat, by, old, chat.bot_status)
        if chat.type != "private":
            message = self._new_user_message(chat, by)
            message["new_chat_members"] = [self.bot.to_api()]
            self._store_user_message(chat, message, text=None)
            self.push_update({"message": message})

    def bot_removed(self, chat: FakeChat, by: FakeUser, *, kicked: bool = True) -> None:
        """`by` removes (kicks) the bot from `chat`, or a private user blocks it."""
        old = chat.bot_status
        chat.bot_status = "kicked" if kicked else "left"
        self._push_member_change(chat, by, old, chat.bot_status)
        if chat.type != "private":
            message = self._new_user_message(chat, by)
            message["left_chat_member"] = self.bot.to_api()
            self._store_user_message(chat, message, text=None)
            self.push_update({"message": message})

    def migrate_to_supergroup(self, chat: FakeChat, by: FakeUser) -> FakeChat:
        """A basic group becomes a supergroup with a new id; returns the new chat."""
        if chat.type != "group":
            raise ValueError("only basic groups migrate")
        new = FakeChat(
            id=-(10**12 + next(self._supergroup_ids)),
            type="supergroup",
            title=chat.title,
            bot_status=chat.bot_status,
        )
        self.chats[new.id] = new
        chat.migrated_to = new.id
        old_message = self._new_user_message(chat, by)
        old_message["migrate_to_chat_id"] = new.id
        self._store_user_message(chat, old_message, text=None)
        self.push_update({"message": old_message})
        new_message = self._new_user_message(new, by)
        new_message["migrate_from_chat_id"] = chat.id
        self._store_user_message(new, new_message, text=None)
        self.push_update({"message": new_message})
        return new

    def open_topic(self, chat: FakeChat, by: FakeUser, name: str) -> int:
        """Create a forum topic in a forum supergroup; returns its message_thread_id."""
        if not chat.is_forum:
            raise ValueError("topics need a forum supergroup")
        message = self._new_user_message(chat, by)
        message["message_thread_id"] = message["message_id"]
        message["is_topic_message"] = True
        message["forum_topic_created"] = {"name": name, "icon_color": 7322096}
        chat.topics.add(message["message_id"])
        self._store_user_message(chat, message, text=None)
        self.push_update({"message": message})
        return int(message["message_id"])

    # ---- test side: faults and flood check -----------------------------------------------------

    def fail_next(self, method: str, fault: Fault, times: int = 1, *, after: int = 0) -> None:
        """`times` calls of `method` suffer `fault`, once `after` more calls were served normally
        (queued behind faults injected earlier)."""
        self._faults[method.lower()].extend([None] * after + [fault] * times)

    def clear_faults(self, method: str | None = None) -> None:
        """Forget the faults still queued (for `method`, or all)."""
        if method is None:
            self._faults.clear()
        else:
            self._faults.pop(method.lower(), None)

    def hold(self, method: str) -> None:
        """From now on, calls of `method` wait unanswered until `release(method)`."""
        self._holds.setdefault(method.lower(), asyncio.Event())

    def release(self, method: str) -> None:
        """Serve the held calls of `method` (those whose client is gone are dropped)."""
        gate = self._holds.pop(method.lower(), None)
        if gate is not None:
            gate.set()

    def set_rate_limit(self, limit: int | None, window: float = 60.0) -> None:
        self.rate_limit = limit
        self.rate_window = window

    # ---- test side: reading back -----------------------------------------------------------------

    def sent(self, chat_id: int) -> list[StoredMessage]:
        """What the bot sent to `chat_id`, in the order it was sent (current state, after edits)."""
        return [self._messages[chat_id][mid] for mid in self._sent_order[chat_id]]

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        return self._messages[chat_id][message_id]

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        return any(m.chat_id == chat_id and m.message_id == message_id for m in self.deleted)

    def calls_of(self, method: str, *, chat_id: int | None = None) -> list[ApiCall]:
        method = method.lower()
        return [
            c
            for c in self.calls
            if c.method.lower() == method and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    def send_times(self, chat_id: int) -> list[float]:
        """Arrival times (monotonic) of the accepted message calls to `chat_id`."""
        return list(self._accepted_sends[chat_id])

    def max_sends_in_window(self, chat_id: int, window: float) -> int:
        """The most accepted message calls to `chat_id` in any window of `window` seconds."""
        times = self._accepted_sends[chat_id]
        best, j = 0, 0
        for i, start in enumerate(times):
            j = max(j, i)
            while j < len(times) and times[j] < start + window:
                j += 1
            best = max(best, j - i)
        return best

    def commands_for(
        self, language_code: str = "", scope: Mapping[str, Any] | None = None
    ) -> list[dict[str, str]]:
        return self.commands.get((self._scope_key(scope), language_code), [])

    async def wait_for_call(self, method: str, count: int = 1, *, within: float = 5.0) -> list[ApiCall]:
        """Wait until `method` was called at least `count` times; returns those calls."""
        async with asyncio.timeout(within):
            await self._wait_until(lambda: len(self.calls_of(method)) >= count)
        return self.calls_of(method)

    async def webhook_idle(self) -> None:
        """Wait until every update queued for the webhook was POSTed."""
        await self._webhook_queue.join()

    # ---- HTTP side ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        started = time.monotonic()
        params: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            params, files = await self._read_params(request)
            violation = protocol_violation(method, params, files)
            if violation is not None:
                self.violations.append(violation)
                raise ApiError(400, f"Bad Request: {violation}")
            fault = self._next_fault(method)
            if fault is not None and fault.delay:
                await asyncio.sleep(fault.delay)
            gate = self._holds.get(method.lower())
            if gate is not None:
                self.held.append(method)
                try:
                    await gate.wait()
                finally:
                    self.held.remove(method)
                if request.transport is None or request.transport.is_closing():
                    self.dropped.append(method)
                    return web.Response(status=499)  # nobody is listening; nothing was served
            started = time.monotonic()
            if fault is not None and fault.status:
                if fault.html_body is not None:
                    self._record(method, params, files, request, started, fault.status, {"html": True})
                    return web.Response(status=fault.status, text=fault.html_body, content_type="text/html")
                raise ApiError(fault.status, fault.description, fault.parameters)
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params, files)
        except ApiError as exc:
            body = exc.body()
            call = self._record(method, params, files, request, started, exc.status, body)
            if isinstance(exc, FloodCheckError):
                self.rate_limit_hits.append(call)
            return web.json_response(body, status=exc.status)
        body = {"ok": True, "result": result}
        self._record(method, params, files, request, started, 200, body)
        return web.json_response(body)

    def _next_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method.lower())
        return queue.popleft() if queue else None

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile],
        request: web.Request,
        at: float,
        status: int,
        response: dict[str, Any],
    ) -> ApiCall:
        call = ApiCall(method, params, files, request.content_type, at, status, response)
        self.calls.append(call)
        self._notify()
        return call

    def _notify(self) -> None:
        """Wake every coroutine waiting for a change (callable from sync code)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, predicate: Callable[[], bool]) -> None:
        while True:
            event = self._changed
            if predicate():
                return
            await event.wait()

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON body") from exc
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON body must be an object")
                raw.update(body)
            elif ctype == "multipart/form-data":
                reader = await request.multipart()
                while True:
                    part = await reader.next()
                    if part is None:
                        break
                    if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                        continue
                    data = await part.read()
                    if part.filename is not None:
                        files[part.name] = UploadedFile(
                            part.name, part.filename, part.headers.get("Content-Type"), bytes(data)
                        )
                    else:
                        raw[part.name] = bytes(data).decode()
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, str):
                        raw[key] = value
        params = {name: _decode_value(name, value) for name, value in raw.items()}
        return params, files

    # ---- Bot API methods -------------------------------------------------------------------------

    async def _m_getme(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return {
            **self.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }

    async def _m_getupdates(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        allowed = params.get("allowed_updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()

        def ready() -> bool:
            return self._closing or generation != self._poll_generation or bool(self._eligible())

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wait_until(ready)
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            )
        return self._eligible()[:limit]

    def _eligible(self) -> list[dict[str, Any]]:
        return [u for u in self._pending if self._update_kind(u) in self._allowed_updates]

    @staticmethod
    def _update_kind(update: Mapping[str, Any]) -> str:
        return next(key for key in update if key != "update_id")

    async def _m_setwebhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if url and not url.startswith("https://") and not self.allow_http_webhook:
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if secret is not None and not _SECRET_RE.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook_url = url
        self.webhook_secret = str(secret) if secret is not None else None
        self.webhook_max_connections = params.get("max_connections")
        self.webhook_allowed_updates = params.get("allowed_updates")
        if url:
            # Updates waiting for getUpdates go to the new webhook, as Telegram does.
            for update in self._pending:
                self._webhook_queue.put_nowait(update)
            self._pending.clear()
        return True

    async def _m_deletewebhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook_url = ""
        self.webhook_secret = None
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": self._webhook_queue.qsize() if self.webhook_url else len(self._pending),
        }
        if self.webhook_max_connections:
            info["max_connections"] = self.webhook_max_connections
        if self.webhook_allowed_updates:
            info["allowed_updates"] = self.webhook_allowed_updates
        failed = [d for d in self.webhook_deliveries if d.status != 200]
        if failed:
            info["last_error_date"] = int(time.time())
            info["last_error_message"] = f"Wrong response from the webhook: {failed[-1].status}"
        return info

    async def _m_getchat(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat = self._chat(params.get("chat_id"))
        if not chat.bot_is_member:
            raise self._forbidden(chat)
        return {
            **chat.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
            },
        }

    async def _m_sendmessage(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat = self._chat_for_send(params.get("chat_id"), "sendMessage")
        raw_text = params.get("text")
        if not isinstance(raw_text, str) or not raw_text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        text, entities = self._parse(raw_text, params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._check_markup(params.get("reply_markup"))
        reply_to, thread_id = self._reply_and_thread(chat, params)
        message = self._new_bot_message(chat, reply_to=reply_to, thread_id=thread_id)
        message["text"] = text
        if entities:
            message["entities"] = entities
        if markup:
            message["reply_markup"] = markup
        self._store_bot_message(
            chat,
            message,
            text=text,
            html=raw_text,
            params=params,
            markup=markup,
            reply_to=reply_to,
            thread_id=thread_id,
        )
        return message

    async def _m_sendphoto(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat = self._chat_for_send(params.get("chat_id"), "sendPhoto")
        photo_param = params.get("photo")
        photo: UploadedFile | str | None
        if isinstance(photo_param, str) and photo_param.startswith("attach://"):
            photo = files.get(photo_param.removeprefix("attach://"))
        elif "photo" in files:
            photo = files["photo"]
        else:
            photo = photo_param if isinstance(photo_param, str) and photo_param else None
        if photo is None:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if isinstance(photo, UploadedFile) and not photo.data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if (
            isinstance(photo, str)
            and not photo.startswith(("http://", "https://"))
            and photo not in self.file_ids
        ):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        caption_raw = params.get("caption")
        caption, entities = "", list[dict[str, Any]]()
        if isinstance(caption_raw, str) and caption_raw:
            caption, entities = self._parse(caption_raw, params.get("parse_mode"))
            if utf16_len(caption) > 1024:
                raise ApiError(400, "Bad Request: message caption is too long")
        markup = self._check_markup(params.get("reply_markup"))
        reply_to, thread_id = self._reply_and_thread(chat, params)
        message = self._new_bot_message(chat, reply_to=reply_to, thread_id=thread_id)
        digest = hashlib.sha256(photo.data if isinstance(photo, UploadedFile) else photo.encode()).hexdigest()
        message["photo"] = self._photo_sizes(
            f"PH{digest[:16]}", len(photo.data) if isinstance(photo, UploadedFile) else 0
        )
        if caption:
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        if markup:
            message["reply_markup"] = markup
        stored = self._store_bot_message(
            chat,
            message,
            text=caption or None,
            html=caption_raw if isinstance(caption_raw, str) else None,
            params=params,
            markup=markup,
            reply_to=reply_to,
            thread_id=thread_id,
        )
        stored.photo = photo
        return message

    async def _m_editmessagetext(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat, stored = self._editable(params, "editMessageText")
        if "text" not in stored.payload:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        raw_text = params.get("text")
        if not isinstance(raw_text, str) or not raw_text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        text, entities = self._parse(raw_text, params.get("parse_mode"))
        if utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._check_markup(params.get("reply_markup"))
        if (
            text == stored.payload.get("text")
            and entities == stored.payload.get("entities", [])
            and markup == stored.reply_markup
        ):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        self._count_send(chat)
        payload = dict(stored.payload)
        payload["text"] = text
        payload.pop("entities", None)
        if entities:
            payload["entities"] = entities
        payload.pop("reply_markup", None)
        if markup:
            payload["reply_markup"] = markup
        payload["edit_date"] = int(time.time())
        stored.payload = payload
        stored.text, stored.html, stored.parse_mode = text, raw_text, params.get("parse_mode")
        stored.reply_markup = markup
        stored.edits += 1
        return payload

    async def _m_editmessagereplymarkup(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat, stored = self._editable(params, "editMessageReplyMarkup")
        markup = self._check_markup(params.get("reply_markup"))
        if markup == stored.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        self._count_send(chat)
        payload = dict(stored.payload)
        payload.pop("reply_markup", None)
        if markup:
            payload["reply_markup"] = markup
        payload["edit_date"] = int(time.time())
        stored.payload = payload
        stored.reply_markup = markup
        stored.edits += 1
        return payload

    async def _m_deletemessage(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        """The bot deletes its own messages anywhere, and others' in a private chat or, as an
        admin, in a group (Telegram's 48-hour limit is not modelled)."""
        chat = self._chat_for_send(params.get("chat_id"), "deleteMessage")
        stored = self._messages[chat.id].get(int(params.get("message_id") or 0))
        if stored is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        if not stored.from_bot and chat.type != "private" and chat.bot_status != "administrator":
            raise ApiError(400, "Bad Request: message can't be deleted")
        del self._messages[chat.id][stored.message_id]
        if stored.message_id in self._sent_order[chat.id]:
            self._sent_order[chat.id].remove(stored.message_id)
        self.deleted.append(stored)
        return True

    async def _m_answercallbackquery(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if self._open_queries.pop(query_id, None) is None:
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and utf16_len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = CallbackAnswer(
            query_id,
            text if isinstance(text, str) else None,
            bool(params.get("show_alert")),
            time.monotonic(),
        )
        return True

    async def _m_setmycommands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100 BotCommand")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            description = command.get("description", "") if isinstance(command, dict) else ""
            if not _COMMAND_NAME_RE.match(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        language_code = self._language_code(params)
        self.commands[(self._scope_key(params.get("scope")), language_code)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _m_deletemycommands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self.commands.pop((self._scope_key(params.get("scope")), self._language_code(params)), None)
        return True

    async def _m_getmycommands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return self.commands.get((self._scope_key(params.get("scope")), self._language_code(params)), [])

    # ---- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope:
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True)

    @staticmethod
    def _language_code(params: Mapping[str, Any]) -> str:
        code = str(params.get("language_code") or "")
        if code and not re.fullmatch(r"[a-z]{2}", code):
            raise ApiError(400, "Bad Request: LANG_CODE_INVALID")
        return code

    def _chat(self, chat_id: Any) -> FakeChat:
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    @staticmethod
    def _forbidden(chat: FakeChat) -> ApiError:
        if chat.type == "private":
            return ApiError(403, "Forbidden: bot was blocked by the user")
        where = "supergroup chat" if chat.type == "supergroup" else "group chat"
        if chat.bot_status == "kicked":
            return ApiError(403, f"Forbidden: bot was kicked from the {where}")
        return ApiError(403, f"Forbidden: bot is not a member of the {where}")

    def _chat_for_send(self, chat_id: Any, method: str) -> FakeChat:
        chat = self._chat(chat_id)
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if not chat.bot_is_member:
            raise self._forbidden(chat)
        self._check_rate(chat, method)
        return chat

    def _check_rate(self, chat: FakeChat, method: str) -> None:
        if self.rate_limit is None or method.lower() not in self.rate_methods:
            return
        now = time.monotonic()
        times = self._send_times[chat.id]
        while times and times[0] <= now - self.rate_window:
            times.popleft()
        if len(times) >= self.rate_limit:
            retry_after = max(1, math.ceil(times[0] + self.rate_window - now))
            raise FloodCheckError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )

    def _count_send(self, chat: FakeChat) -> None:
        now = time.monotonic()
        self._send_times[chat.id].append(now)
        self._accepted_sends[chat.id].append(now)

    def _editable(self, params: Mapping[str, Any], method: str) -> tuple[FakeChat, StoredMessage]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not supported by this fake")
        chat = self._chat_for_send(params.get("chat_id"), method)
        stored = self._messages[chat.id].get(int(params.get("message_id") or 0))
        if stored is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, stored

    @staticmethod
    def _parse(text: str, parse_mode: Any) -> tuple[str, list[dict[str, Any]]]:
        if parse_mode is None or parse_mode == "":
            return text, []
        if str(parse_mode).upper() == "HTML":
            return parse_html(text)
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r} in this fake")

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup  # reply keyboards etc.: not checked
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ApiError(
                400,
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays',
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if data is None and not button.get("url"):
                    raise ApiError(
                        400, 'Bad Request: can\'t find field "callback_data" or "url" in the button'
                    )
        return markup

    def _reply_and_thread(self, chat: FakeChat, params: Mapping[str, Any]) -> tuple[int | None, int | None]:
        reply_to: int | None = None
        allow_without = bool(params.get("allow_sending_without_reply"))
        reply_parameters = params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to = int(reply_parameters["message_id"])
            allow_without = bool(reply_parameters.get("allow_sending_without_reply", False))
        elif params.get("reply_to_message_id") is not None:
            reply_to = int(params["reply_to_message_id"])
        if reply_to is not None and reply_to not in self._messages[chat.id]:
            if not allow_without:
                raise ApiError(400, "Bad Request: message to be replied not found")
            reply_to = None
        thread_id = params.get("message_thread_id")
        if thread_id is not None:
            thread_id = int(thread_id)
            if chat.is_forum and thread_id not in chat.topics:
                raise ApiError(400, "Bad Request: message thread not found")
        return reply_to, thread_id

    def _new_message_id(self, chat: FakeChat) -> int:
        message_id = self._next_message_id[chat.id]
        self._next_message_id[chat.id] = message_id + 1
        return message_id

    def _new_user_message(
        self, chat: FakeChat, user: FakeUser, *, reply_to: int | None = None, thread_id: int | None = None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat),
            "from": user.to_api(),
            "chat": chat.to_api(),
            "date": int(time.time()),
        }
        self._attach_reply_and_thread(chat, message, reply_to, thread_id)
        return message

    def _new_bot_message(
        self, chat: FakeChat, *, reply_to: int | None, thread_id: int | None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat),
            "from": self.bot.to_api(),
            "chat": chat.to_api(),
            "date": int(time.time()),
        }
        self._attach_reply_and_thread(chat, message, reply_to, thread_id)
        return message

    def _attach_reply_and_thread(
        self, chat: FakeChat, message: dict[str, Any], reply_to: int | None, thread_id: int | None
    ) -> None:
        if thread_id is not None and chat.is_forum:
            if thread_id not in chat.topics:
                raise ValueError(f"no topic {thread_id} in chat {chat.id}")
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
            if reply_to is None:
                # Inside a topic, Telegram presents every message as a reply to the topic's first message.
                reply_to = thread_id
        if reply_to is not None:
            target = self._messages[chat.id].get(reply_to)
            if target is None:
                raise ValueError(f"no message {reply_to} in chat {chat.id}")
            nested = {k: v for k, v in target.payload.items() if k != "reply_to_message"}
            message["reply_to_message"] = nested

    def _store_user_message(
        self, chat: FakeChat, message: dict[str, Any], *, text: str | None
    ) -> StoredMessage:
        reply = message.get("reply_to_message")
        stored = StoredMessage(
            chat_id=chat.id,
            message_id=int(message["message_id"]),
            date=int(message["date"]),
            from_bot=False,
            payload=message,
            text=text,
            reply_to=int(reply["message_id"]) if reply else None,
            thread_id=message.get("message_thread_id"),
        )
        self._messages[chat.id][stored.message_id] = stored
        return stored

    def _store_bot_message(
        self,
        chat: FakeChat,
        message: dict[str, Any],
        *,
        text: str | None,
        html: str | None,
        params: Mapping[str, Any],
        markup: dict[str, Any] | None,
        reply_to: int | None,
        thread_id: int | None,
    ) -> StoredMessage:
        stored = StoredMessage(
            chat_id=chat.id,
            message_id=int(message["message_id"]),
            date=int(message["date"]),
            from_bot=True,
            payload=message,
            text=text,
            html=html,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            reply_to=reply_to,
            thread_id=thread_id,
        )
        self._messages[chat.id][stored.message_id] = stored
        self._sent_order[chat.id].append(stored.message_id)
        self._count_send(chat)
        return stored

    def _photo_sizes(self, file_id: str, size: int) -> list[dict[str, Any]]:
        self.file_ids.update({f"{file_id}_s", file_id})
        return [
            {
                "file_id": f"{file_id}_s",
                "file_unique_id": f"{file_id}s",
                "width": 90,
                "height": 67,
                "file_size": size // 10,
            },
            {
                "file_id": file_id,
                "file_unique_id": f"{file_id}m",
                "width": 1280,
                "height": 960,
                "file_size": size,
            },
        ]

    def _push_member_change(self, chat: FakeChat, by: FakeUser, old: str, new: str) -> None:
        self.push_update(
            {
                "my_chat_member": {
                    "chat": chat.to_api(),
                    "from": by.to_api(),
                    "date": int(time.time()),
                    "old_chat_member": self._member(old),
                    "new_chat_member": self._member(new),
                }
            }
        )

    def _member(self, status: str) -> dict[str, Any]:
        member: dict[str, Any] = {"status": status, "user": self.bot.to_api()}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": False,
                    "can_restrict_members": False,
                    "can_promote_members": False,
                    "can_change_info": False,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                    "can_pin_messages": True,
                }
            )
        return member

    async def _webhook_sender(self) -> None:
        while True:
            update = await self._webhook_queue.get()
            try:
                while await self._post_to_webhook(update) != 200 and self.webhook_retry_delay is not None:
                    if not self.webhook_url:  # the webhook was deleted: the update waits for getUpdates
                        self._pending.append(update)
                        self._notify()
                        break
                    await asyncio.sleep(self.webhook_retry_delay)
            finally:
                self._webhook_queue.task_done()

    async def _post_to_webhook(self, update: dict[str, Any]) -> int:
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret is not None:
            headers[SECRET_HEADER] = self.webhook_secret
        status = 0
        try:
            async with self._session.post(
                self.webhook_url,
                data=json.dumps(update),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        self.webhook_deliveries.append(WebhookDelivery(int(update["update_id"]), status, self.webhook_secret))
        return status
