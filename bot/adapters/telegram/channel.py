"""`TelegramChannel`: Steward's `Channel` on python-telegram-bot v22, run in the caller's loop.

Inbound. Polling mode runs our own long-poll loop over PTB's `Bot.get_updates` (`polling.py`):
the offset moves past an update only once `deliver` has stored it, so an update Telegram was
told is received is always in the inbox. Webhook mode runs no server of its own: Steward's
aiohttp server mounts `add_telegram_routes`, every request is checked against the secret
token, and `process_webhook` answers 200 only once the update is stored, 500 if it could not
be (Telegram redelivers it; the inbox recognises a delivery it stored before) and 503 while
Steward stops. Either way every update goes through `_dispatch`: converted by
`convert.update_to_incoming` and handed to `deliver` (store, then handle), one at a time in
the order Telegram sent them.

Callback queries are answered exactly once, always (the button's spinner stops only then):
- during delivery, by `answer_callback(query_id, text)` (query_id = `Incoming.message_id`, also
  in `Incoming.reply_hint`), e.g. "已受理" or "此操作已失效", or
- by `send()` of an `Outgoing` whose `answer` is a `CallbackAnswer` (its query id, or the
  message's `reply_hint`), if it is sent during delivery or within
  `callback_answer_grace` seconds after it (an outbox flushed right after the commit), or
- otherwise by the channel itself: with no text `callback_answer_grace` seconds after delivery,
  or at once with `callback_error_text` if delivery raised.
Telegram refuses a second answer, so later ones are dropped (`answer_callback` returns False).

Outbound. `send()` renders the `Outgoing` (see `render`), keeps per-chat order (one request at a
time per chat, retries included), and goes through `SlidingWindowRateLimiter` (30/s overall,
20/min per group by default; 429s are retried after `retry_after`). 5xx answers, timeouts and
connection errors are retried with exponential back-off. What is left becomes a `SendError`:
`retry_after` for flood control, `permanent` and `chat_gone` when the bot was kicked or blocked,
`permanent` for a request Telegram refused (`ChatMigratedError` carries the new supergroup id),
retryable otherwise. A timed-out sendMessage may have reached Telegram, so a retry can show a
message twice: delivery is at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import json
import logging
import os
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder

from bot.adapters.telegram.commands import DEFAULT_COMMAND_LANGUAGES, DEFAULT_COMMANDS, CommandSpec
from bot.adapters.telegram.convert import update_to_incoming
from bot.adapters.telegram.polling import Delivery, Poller
from bot.adapters.telegram.ratelimit import SlidingWindowRateLimiter, retry_after_seconds
from bot.adapters.telegram.render import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    chat_target,
    fits,
    inline_keyboard,
    message_number,
    render_chunks,
    render_single,
    reply_parameters,
)
from bot.core.calls import CallLog
from bot.core.channel import Capabilities, Deliver, IntakeClosed
from bot.core.events import Outgoing, Platform, SendError, SendResult
from bot.core.shutdown import bounded

_LOG = logging.getLogger(__name__)

# PTB 22 warns (PTBDeprecationWarning) every time it builds a RetryAfter, i.e. on every 429,
# unless the program opts in to the v23 behaviour of time attributes being timedeltas. Steward
# reads them through `ratelimit.retry_after_seconds`, which accepts both, so opt in; an
# explicit PTB_TIMEDELTA in the environment still wins.
os.environ.setdefault("PTB_TIMEDELTA", "true")

DEFAULT_API_URL = "https://api.telegram.org/bot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
DEFAULT_CALLBACK_ERROR_TEXT = "暫時未能處理，請稍後再試。"
CALLBACK_ANSWER_LIMIT = 200

Mode = Literal["polling", "webhook"]
_App = Application[Any, Any, Any, Any, Any, Any]
T = TypeVar("T")


class ChatMigratedError(SendError):
    """The group became a supergroup: resend to `migrated_to` (and rebind the chat)."""

    def __init__(self, migrated_to: str) -> None:
        super().__init__(f"chat migrated to {migrated_to}", permanent=True)
        self.migrated_to = migrated_to


class _NotModifiedError(SendError):
    """An edit that would change nothing: the message already shows what we wanted."""


@dataclass
class _ChatLock:
    lock: asyncio.Lock
    users: int = 0


class TelegramChannel:
    """Steward's Telegram adapter. See the module docstring for the callback-answer contract."""

    platform: str = Platform.TELEGRAM.value
    capabilities = Capabilities(
        edit_in_place=True,
        buttons=True,
        threads=True,
        answers=True,
        direct=True,
        replies=True,
        delete_messages=True,
        photo_ids=True,
    )

    def __init__(
        self,
        token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        mode: Mode = "polling",
        webhook_url: str | None = None,
        secret_token: str | None = None,
        overall_rate: int = 30,
        overall_period: float = 1.0,
        group_rate: int = 20,
        group_period: float = 60.0,
        max_retries: int = 3,
        retry_backoff: float = 1.0,
        poll_timeout: int = 30,
        request_timeout: float = 10.0,
        callback_answer_grace: float = 1.0,
        callback_error_text: str = DEFAULT_CALLBACK_ERROR_TEXT,
        webhook_max_connections: int = 1,
        link_previews: bool = False,
        stop_timeout: float = 10.0,
    ) -> None:
        if mode not in ("polling", "webhook"):
            raise ValueError(f"mode must be 'polling' or 'webhook', not {mode!r}")
        if mode == "webhook" and not (webhook_url and secret_token):
            raise ValueError("webhook mode needs webhook_url and secret_token")
        if not token or ":" not in token:
            raise ValueError("a Telegram bot token looks like '123456:ABC…'")
        self._token = token
        self._api_url = api_url
        self.mode: Mode = mode
        self._webhook_url = webhook_url
        self._secret_token = secret_token
        self._rates = (overall_rate, overall_period, group_rate, group_period)
        self._max_retries = max_retries
        self._retry_backoff = retry_backoff
        self._poll_timeout = poll_timeout
        self._request_timeout = request_timeout
        self._stop_timeout = stop_timeout
        self._callback_answer_grace = callback_answer_grace
        self._callback_error_text = callback_error_text
        self._webhook_max_connections = webhook_max_connections
        self._link_preview = None if link_previews else LinkPreviewOptions(is_disabled=True)

        self._app: _App | None = None
        self._poller: Poller | None = None
        self._deliver: Deliver | None = None
        self._bot_username = ""
        self._chat_locks: dict[str, _ChatLock] = {}
        # Callback queries delivered but not answered yet: query id -> fallback answer task.
        self._open_queries: dict[str, asyncio.Task[None] | None] = {}
        self._answered: OrderedDict[str, None] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        # Every Bot API request's outcome (for /healthz and /metrics); 429s are counted by the
        # rate limiter, which retries them.
        self.calls = CallLog(self.platform)

    # ---- lifecycle -----------------------------------------------------------------------------

    @property
    def bot_username(self) -> str:
        """The bot's @username (without "@"), known once started."""
        return self._bot_username

    def _build(self) -> _App:
        overall_rate, overall_period, group_rate, group_period = self._rates
        limiter = SlidingWindowRateLimiter(
            overall_max_rate=overall_rate,
            overall_period=overall_period,
            group_max_rate=group_rate,
            group_period=group_period,
            max_retries=self._max_retries,
            on_flood=lambda: self.calls.rate_limited("429"),
        )
        builder = (
            ApplicationBuilder()
            .token(self._token)
            .base_url(self._api_url)
            .rate_limiter(limiter)
            .job_queue(None)  # Steward schedules with its own APScheduler
            .connect_timeout(self._request_timeout)
            .read_timeout(self._request_timeout)
            .write_timeout(self._request_timeout)
            .pool_timeout(self._request_timeout)
            .get_updates_connect_timeout(self._request_timeout)
            .get_updates_read_timeout(self._request_timeout)
            .get_updates_write_timeout(self._request_timeout)
            .get_updates_pool_timeout(self._request_timeout)
        )
        if self._api_url.endswith("/bot"):
            builder = builder.base_file_url(self._api_url.removesuffix("bot") + "file/bot")
        # PTB does the HTTP and the rate limiting; receiving is ours (`polling.py`, webhooks).
        app: _App = builder.updater(None).build()
        return app

    async def start(self, deliver: Deliver, *, receive: bool = True) -> None:
        """Connect (getMe), then poll or register the webhook; updates go to `deliver`.
        `receive` False: connect only (a process that sends, or waits for the poller's office:
        `start_polling` later)."""
        if self._app is not None:
            raise RuntimeError("TelegramChannel is already started")
        app = self._build()
        self._deliver = deliver
        try:
            await app.initialize()
            self._bot_username = app.bot.username or ""
            if not receive:
                pass
            elif self.mode == "polling":
                await self._poll(app)
            else:
                await app.bot.set_webhook(
                    url=self._webhook_url or "",
                    secret_token=self._secret_token,
                    allowed_updates=list(ALLOWED_UPDATES),
                    max_connections=self._webhook_max_connections,
                )
        except BaseException as exc:
            await self._abandon(app)
            if isinstance(exc, InvalidToken):  # its message quotes the token: keep that out of logs
                raise RuntimeError(
                    "telegram: the bot token was rejected (check STEWARD_TELEGRAM_TOKEN)"
                ) from None
            if isinstance(exc, TelegramError):
                raise RuntimeError(f"telegram: cannot start: {exc.message}") from exc
            raise
        self._app = app
        _LOG.info("telegram: started as @%s in %s mode", self._bot_username, self.mode)

    async def _poll(self, app: _App) -> None:
        # Polling and a webhook exclude each other: a webhook left set would make every
        # getUpdates fail (409). Pending updates are kept.
        await app.bot.delete_webhook(drop_pending_updates=False)
        self._poller = Poller(
            app.bot,
            self._dispatch,
            timeout=self._poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            retry_backoff=self._retry_backoff,
        )
        self._poller.start()

    async def start_polling(self) -> None:
        """Begin polling on a channel started without receiving (this process was elected
        the token's poller). Raises if the channel is not started or not in polling mode."""
        app = self._require_app()
        if self.mode != "polling":
            raise RuntimeError("start_polling: the channel is in webhook mode")
        if self._poller is None:
            await self._poll(app)
            _LOG.info("telegram: polling as @%s", self._bot_username)

    async def stop_polling(self) -> None:
        """Stop polling (the update in flight finishes, what was stored is confirmed); sending
        goes on. Another process may poll from here on."""
        poller, self._poller = self._poller, None
        if poller is not None:
            await bounded("telegram: stopping the polling", poller.stop(), self._stop_timeout)

    @property
    def polling(self) -> bool:
        return self._poller is not None

    async def connect(self) -> None:
        """Connect (getMe) without receiving: for one-off calls such as `set_commands` from the
        CLI, which must neither consume updates (polling) nor touch the webhook. `stop()` closes."""
        if self._app is not None:
            raise RuntimeError("TelegramChannel is already started")
        app = self._build()
        try:
            await app.initialize()
        except BaseException as exc:
            await self._abandon(app)
            if isinstance(exc, InvalidToken):
                raise RuntimeError(
                    "telegram: the bot token was rejected (check STEWARD_TELEGRAM_TOKEN)"
                ) from None
            if isinstance(exc, TelegramError):
                raise RuntimeError(f"telegram: cannot connect: {exc.message}") from exc
            raise
        self._bot_username = app.bot.username or ""
        self._app = app

    async def _abandon(self, app: _App) -> None:
        """Undo a start that failed half-way, closing the HTTP clients it opened."""
        self._deliver = None
        poller, self._poller = self._poller, None
        with contextlib.suppress(Exception):
            if poller is not None:
                await poller.stop()
            await app.shutdown()
            # An Application whose initialize() failed skips the bot in shutdown(); close it here.
            await app.bot.shutdown()

    async def stop(self) -> None:
        """Stop receiving (the update being delivered finishes; updates fetched but not stored
        stay with Telegram), answer callback queries still open, and close connections.

        The webhook stays registered, so Telegram keeps updates until Steward is back."""
        app = self._app
        if app is None:
            return
        try:
            # Bounded: an update stuck past it is cancelled (and reported with the tasks'
            # stacks) rather than holding the stop; it is in the inbox, or still Telegram's.
            poller, self._poller = self._poller, None
            if poller is not None:
                await bounded("telegram: stopping the polling", poller.stop(), self._stop_timeout)
            for query_id in list(self._open_queries):
                await self.answer_callback(query_id)
            for task in list(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            await app.shutdown()
            self._app = None
            self._deliver = None
            _LOG.info("telegram: stopped")

    def _require_app(self) -> _App:
        if self._app is None:
            raise SendError("the Telegram channel is not started")
        return self._app

    # ---- inbound --------------------------------------------------------------------------------

    async def _dispatch(self, update: Update) -> Delivery:
        """Convert and deliver (store, then handle) one update; answer its callback query.

        `NOT_STORED` if delivery raised, `CLOSED` if Steward is stopping: the update must not be
        acknowledged then. An update that cannot be converted is logged and skipped (it would
        otherwise hold up every update after it)."""
        deliver = self._deliver
        query = update.callback_query
        if query is not None and query.id not in self._answered:
            self._open_queries.setdefault(query.id, None)
        result = Delivery.NOT_STORED
        try:
            try:
                incoming = update_to_incoming(update, bot_username=self._bot_username)
            except Exception:
                _LOG.exception("telegram: update %s cannot be read; skipped", update.update_id)
                incoming = None
            if incoming is None:
                _LOG.debug("telegram: update %s ignored", update.update_id)
                result = Delivery.DELIVERED
            elif deliver is None:
                result = Delivery.CLOSED
            else:
                _LOG.debug(
                    "telegram: update %s: %s in chat %s",
                    update.update_id,
                    incoming.kind.value,
                    incoming.chat_id,
                )
                await deliver(incoming)
                result = Delivery.DELIVERED
        except IntakeClosed:
            result = Delivery.CLOSED
        except Exception:
            _LOG.exception("telegram: update %s was not stored", update.update_id)
        finally:
            if query is not None:
                await self._after_delivery(query.id, failed=result is not Delivery.DELIVERED)
        return result

    async def _after_delivery(self, query_id: str, *, failed: bool) -> None:
        if query_id not in self._open_queries:
            return  # answered during delivery
        if failed:
            await self.answer_callback(query_id, self._callback_error_text)
        elif self._callback_answer_grace <= 0:
            await self.answer_callback(query_id)
        else:
            task = asyncio.create_task(self._answer_later(query_id), name=f"telegram-answer-{query_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self._open_queries[query_id] = task

    async def _answer_later(self, query_id: str) -> None:
        await asyncio.sleep(self._callback_answer_grace)
        await self.answer_callback(query_id)

    async def answer_callback(
        self, query_id: str, text: str | None = None, *, show_alert: bool = False
    ) -> bool:
        """Answer a button press (a toast, or an alert with `show_alert`). Only the first answer
        of a query counts: returns False, sending nothing, if it was already answered."""
        if query_id in self._answered:
            return False
        task = self._open_queries.pop(query_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        self._answered[query_id] = None
        while len(self._answered) > 4096:
            self._answered.popitem(last=False)
        app = self._app
        if app is None:
            return False
        if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
            text = text[: CALLBACK_ANSWER_LIMIT - 1] + "…"
        try:
            await app.bot.answer_callback_query(query_id, text=text or None, show_alert=show_alert)
        except (BadRequest, Forbidden, RetryAfter) as exc:
            self.calls.ok(refused=True)
            _LOG.warning("telegram: answering callback query %s failed: %s", query_id, exc)
            return False
        except TelegramError as exc:
            self.calls.failed(f"answerCallbackQuery: {type(exc).__name__}: {exc.message}")
            _LOG.warning("telegram: answering callback query %s failed: %s", query_id, exc)
            return False
        self.calls.ok()
        return True

    async def process_webhook(self, body: bytes, secret_header: str | None) -> int:
        """Handle one webhook POST; returns the HTTP status to answer.

        403 without the right secret token (nothing is parsed), 400 for a body that is not an
        update, 503 when not started or stopping, 500 when the update could not be stored
        (Telegram will redeliver), 200 once it is stored."""
        if self.mode != "webhook" or self._secret_token is None:
            return 404
        if secret_header is None or not hmac.compare_digest(
            secret_header.encode(), self._secret_token.encode()
        ):
            _LOG.warning(
                "telegram: webhook request refused: %s secret token",
                "no" if secret_header is None else "wrong",
            )
            return 403
        app = self._app
        if app is None:
            return 503
        try:
            data = json.loads(body)
        except ValueError:
            return 400
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return 400
        try:
            update = Update.de_json(data, app.bot)
        except (TypeError, ValueError, KeyError, AttributeError):
            _LOG.warning("telegram: webhook body is not a valid update")
            return 400
        result = await self._dispatch(update)
        return {Delivery.DELIVERED: 200, Delivery.CLOSED: 503, Delivery.NOT_STORED: 500}[result]

    def add_telegram_routes(self, app: web.Application, path: str = "/telegram/webhook") -> None:
        """Mount the webhook endpoint (POST `path`) on Steward's shared aiohttp application."""

        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            status = await self.process_webhook(body, request.headers.get(SECRET_HEADER))
            return web.Response(status=status)

        app.router.add_post(path, handle)

    # ---- outbound -------------------------------------------------------------------------------

    async def send(self, chat_id: str, message: Outgoing) -> SendResult:
        """Render and send one message (or edit one: `Outgoing.edit_of`)."""
        app = self._require_app()
        answer = message.answer
        if answer is not None:
            query_id = answer.query_id or message.reply_hint
            if query_id:
                await self.answer_callback(str(query_id), answer.text, show_alert=answer.alert)
        if message.delete is not None:
            async with self._chat_lock(chat_id):
                return await self._delete(app, chat_id, message)
        edit_id = message.edit_of
        has_body = bool(message.text.strip() or message.mentions or message.image_path or message.photo)
        if not has_body and edit_id is None:
            if answer is not None:
                return SendResult(None)  # only a callback answer
            raise SendError("empty message", permanent=True)
        try:
            keyboard = inline_keyboard(message.buttons)
        except ValueError as exc:
            raise SendError(str(exc), permanent=True) from exc
        async with self._chat_lock(chat_id):
            if edit_id is not None:
                return await self._edit(app, chat_id, message, str(edit_id), keyboard)
            if message.image_path or message.photo:
                return await self._send_photo(app, chat_id, message, keyboard)
            return await self._send_text(app, chat_id, message, keyboard, first_reply=True)

    async def _send_text(
        self,
        app: _App,
        chat_id: str,
        message: Outgoing,
        keyboard: InlineKeyboardMarkup | None,
        *,
        first_reply: bool,
    ) -> SendResult:
        chunks = render_chunks(message.text, message.mentions, TEXT_LIMIT)
        if not chunks:
            raise SendError("empty message", permanent=True)
        last: Message | None = None
        for index, chunk in enumerate(chunks):
            final = index == len(chunks) - 1
            reply = reply_parameters(message.reply_to) if index == 0 and first_reply else None
            last = await self._call(
                "sendMessage",
                chat_id,
                functools.partial(
                    app.bot.send_message,
                    chat_id=chat_target(chat_id),
                    text=chunk,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard if final else None,
                    reply_parameters=reply,
                    message_thread_id=message_number(message.thread_id),
                    link_preview_options=self._link_preview,
                ),
            )
        assert last is not None
        return SendResult(str(last.message_id))

    async def _send_photo(
        self, app: _App, chat_id: str, message: Outgoing, keyboard: InlineKeyboardMarkup | None
    ) -> SendResult:
        photo_of: str | bytes
        filename: str | None = None
        if message.photo:  # a photo Telegram keeps: re-sent by its file_id
            photo_of = message.photo
        else:
            path = Path(message.image_path or "")
            try:
                photo_of = await asyncio.to_thread(path.read_bytes)
            except OSError as exc:
                raise SendError(
                    f"image {path.name!r} cannot be read: {exc.strerror}", permanent=True
                ) from exc
            filename = path.name
        caption_fits = fits(message.text, message.mentions, CAPTION_LIMIT)
        caption = render_single(message.text, message.mentions, CAPTION_LIMIT) if caption_fits else ""
        photo: Message = await self._call(
            "sendPhoto",
            chat_id,
            lambda: app.bot.send_photo(
                chat_id=chat_target(chat_id),
                photo=photo_of,
                filename=filename,
                caption=caption or None,
                parse_mode=ParseMode.HTML if caption else None,
                reply_markup=keyboard if caption_fits else None,
                reply_parameters=reply_parameters(message.reply_to),
                message_thread_id=message_number(message.thread_id),
            ),
        )
        if caption_fits:
            return SendResult(str(photo.message_id))
        # Too long for a caption: the text (with the buttons) follows the photo.
        return await self._send_text(app, chat_id, message, keyboard, first_reply=False)

    async def _edit(
        self,
        app: _App,
        chat_id: str,
        message: Outgoing,
        edit_id: str,
        keyboard: InlineKeyboardMarkup | None,
    ) -> SendResult:
        number = message_number(edit_id)
        if number is None:
            raise SendError(f"edit_message_id {edit_id!r} is not a Telegram message id", permanent=True)
        has_text = bool(message.text.strip() or message.mentions)
        try:
            if has_text:
                text = render_single(message.text, message.mentions, TEXT_LIMIT)
                await self._call(
                    "editMessageText",
                    chat_id,
                    lambda: app.bot.edit_message_text(
                        chat_id=chat_target(chat_id),
                        message_id=number,
                        text=text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=keyboard,
                        link_preview_options=self._link_preview,
                    ),
                )
            else:  # only the buttons change (none: the keyboard is removed)
                await self._call(
                    "editMessageReplyMarkup",
                    chat_id,
                    lambda: app.bot.edit_message_reply_markup(
                        chat_id=chat_target(chat_id), message_id=number, reply_markup=keyboard
                    ),
                )
        except _NotModifiedError:
            _LOG.debug("telegram: message %s in chat %s already up to date", edit_id, chat_id)
        return SendResult(edit_id)

    async def _delete(self, app: _App, chat_id: str, message: Outgoing) -> SendResult:
        """deleteMessage (`Outgoing.delete`). A message already gone counts as deleted; one
        Telegram will not delete (in a group the bot may delete others' messages only as an
        admin) gets the message's text posted instead, if it has one, else a `SendError`."""
        number = message_number(message.delete)
        if number is None:
            raise SendError(f"delete {message.delete!r} is not a Telegram message id", permanent=True)
        try:
            await self._call(
                "deleteMessage",
                chat_id,
                lambda: app.bot.delete_message(chat_id=chat_target(chat_id), message_id=number),
            )
        except SendError as exc:
            if not exc.permanent or exc.chat_gone or isinstance(exc, ChatMigratedError):
                raise
            if "not found" in exc.reason.lower():
                return SendResult(None)  # deleted meanwhile (by its author, or an admin)
            if not message.text.strip():
                raise
            _LOG.info("telegram: message %s in chat %s cannot be deleted; saying so", number, chat_id)
            return await self._send_text(app, chat_id, message, None, first_reply=False)
        return SendResult(None)

    async def _call(self, method: str, chat_id: str, request: Callable[[], Awaitable[T]]) -> T:
        """One Bot API request with retries of transient failures, errors as `SendError`.
        Each attempt's outcome goes to `calls`: an answer (even a refusal) or a failure."""
        for attempt in range(self._max_retries + 1):
            try:
                result = await request()
                self.calls.ok()
                return result
            except RetryAfter as exc:  # the rate limiter already retried max_retries times
                self.calls.ok(refused=True)
                seconds = retry_after_seconds(exc)
                raise SendError(
                    f"{method}: flood control, retry after {seconds:g} s", retry_after=seconds
                ) from exc
            except ChatMigrated as exc:
                self.calls.ok(refused=True)
                raise ChatMigratedError(str(exc.new_chat_id)) from exc
            except Forbidden as exc:
                self.calls.ok(refused=True)
                _LOG.warning("telegram: %s to chat %s refused: %s", method, chat_id, exc.message)
                raise SendError(f"{method}: {exc.message}", permanent=True, chat_gone=True) from exc
            except InvalidToken as exc:
                self.calls.failed(f"{method}: invalid bot token")
                raise SendError(f"{method}: invalid bot token", permanent=True) from exc
            except BadRequest as exc:
                self.calls.ok(refused=True)
                reason = exc.message
                if "message is not modified" in reason.lower():
                    raise _NotModifiedError(reason, permanent=True) from exc
                gone = "chat not found" in reason.lower()
                _LOG.warning("telegram: %s to chat %s refused: %s", method, chat_id, reason)
                raise SendError(f"{method}: {reason}", permanent=True, chat_gone=gone) from exc
            except NetworkError as exc:  # timeouts, connection errors, 5xx
                self.calls.failed(f"{method}: {type(exc).__name__}: {exc.message}")
                if attempt >= self._max_retries:
                    raise SendError(f"{method}: {exc.message}") from exc
                delay = self._retry_backoff * 2**attempt
                _LOG.info(
                    "telegram: %s to chat %s failed (%s), retry in %.2f s",
                    method,
                    chat_id,
                    exc.message,
                    delay,
                )
                await asyncio.sleep(delay)
            except TelegramError as exc:
                self.calls.failed(f"{method}: {type(exc).__name__}: {exc.message}")
                raise SendError(f"{method}: {exc.message}") from exc
        raise AssertionError("unreachable")  # the last attempt returns or raises

    @contextlib.asynccontextmanager
    async def _chat_lock(self, chat_id: str) -> AsyncIterator[None]:
        """One request at a time per chat, first come first served: keeps per-chat order."""
        entry = self._chat_locks.get(chat_id)
        if entry is None:
            entry = self._chat_locks[chat_id] = _ChatLock(asyncio.Lock())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._chat_locks[chat_id]

    # ---- commands -------------------------------------------------------------------------------

    async def set_commands(
        self,
        commands: Sequence[CommandSpec] = DEFAULT_COMMANDS,
        *,
        languages: Mapping[str, str] = DEFAULT_COMMAND_LANGUAGES,
        chat_id: str | None = None,
    ) -> None:
        """Register the command menu per language (`languages`: language_code -> locale, "" for
        the default list), for every chat or only `chat_id` (e.g. the stewards' group)."""
        app = self._require_app()
        scope = BotCommandScopeChat(chat_target(chat_id)) if chat_id is not None else None
        for language_code, locale in languages.items():
            menu = [BotCommand(c.name, c.description(locale)) for c in commands]
            await self._call(
                "setMyCommands",
                chat_id or "-",
                functools.partial(
                    app.bot.set_my_commands, menu, scope=scope, language_code=language_code or None
                ),
            )
