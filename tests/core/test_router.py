"""Routing and the middleware chain, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import FrozenClock
from bot.core.context import Context, Services
from bot.core.events import Incoming, MessageKind
from bot.core.router import Dispatcher, Next, Router
from bot.core.texts import Texts

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def incoming(text: str = "", kind: MessageKind = MessageKind.TEXT, data: str | None = None) -> Incoming:
    return Incoming(
        platform="local",
        chat_id="c",
        sender_id="u",
        text=text,
        message_id="1",
        sent_at=NOW,
        kind=kind,
        callback_data=data,
    )


def make_dispatcher(router: Router, log: list[str], middlewares: list[str] | None = None) -> Dispatcher:
    services = Services(classifier=None, clock=FrozenClock(NOW), texts=Texts())  # type: ignore[arg-type]

    def mw(name: str):  # type: ignore[no-untyped-def]
        async def middleware(ctx: Context, call_next: Next) -> None:
            log.append(f"{name}>")
            await call_next(ctx)
            log.append(f"<{name}")

        return middleware

    return Dispatcher(
        router, [mw(n) for n in (middlewares or [])], lambda i: Context(incoming=i, services=services)
    )


async def test_commands_callbacks_kinds_and_text_route_to_their_handlers() -> None:
    seen: list[str] = []
    feature = Router(name="feature")

    @feature.command("my", "我的工单")
    async def my(ctx: Context) -> None:
        seen.append("my:" + " ".join(ctx.incoming.command[1] if ctx.incoming.command else []))

    @feature.callback("t:accept:")
    async def accept(ctx: Context) -> None:
        seen.append("accept:" + (ctx.incoming.callback_data or ""))

    @feature.on(MessageKind.STICKER)
    async def sticker(ctx: Context) -> None:
        seen.append("sticker")

    @feature.message
    async def text(ctx: Context) -> None:
        seen.append("text:" + ctx.incoming.text)

    root = Router()
    root.include(feature)
    dispatcher = make_dispatcher(root, [])
    await dispatcher.handle(incoming("/my@StewardBot all", MessageKind.COMMAND))
    await dispatcher.handle(incoming("/我的工单", MessageKind.COMMAND))
    await dispatcher.handle(incoming(kind=MessageKind.CALLBACK, data="t:accept:7"))
    await dispatcher.handle(incoming(kind=MessageKind.STICKER))
    await dispatcher.handle(incoming("电梯坏了"))
    await dispatcher.handle(incoming(kind=MessageKind.VOICE))  # nobody handles voice: silently dropped
    assert seen == ["my:all", "my:", "accept:t:accept:7", "sticker", "text:电梯坏了"]


async def test_unknown_command_goes_to_the_fallback_and_unknown_button_to_the_callback_kind() -> None:
    seen: list[str] = []
    root = Router()

    async def fallback(ctx: Context) -> None:
        seen.append("unknown:" + ctx.incoming.text)

    async def stale(ctx: Context) -> None:
        seen.append("stale")

    root.fallback_command = fallback
    root.on(MessageKind.CALLBACK)(stale)
    dispatcher = make_dispatcher(root, [])
    await dispatcher.handle(incoming("/nosuch x", MessageKind.COMMAND))
    await dispatcher.handle(incoming(kind=MessageKind.CALLBACK, data="zz:1"))
    assert seen == ["unknown:/nosuch x", "stale"]


async def test_middlewares_wrap_handlers_outermost_first() -> None:
    log: list[str] = []
    root = Router()

    @root.message
    async def text(ctx: Context) -> None:
        log.append("handler")

    await make_dispatcher(root, log, ["errors", "session", "dedupe"]).handle(incoming("hi"))
    assert log == ["errors>", "session>", "dedupe>", "handler", "<dedupe", "<session", "<errors"]


def test_duplicate_command_registration_is_refused() -> None:
    a, b = Router(name="a"), Router(name="b")

    @a.command("help")
    async def one(ctx: Context) -> None: ...

    @b.command("help")
    async def two(ctx: Context) -> None: ...

    root = Router()
    root.include(a)
    with pytest.raises(ValueError, match="clashes"):
        root.include(b)


def test_delivery_key_distinguishes_edits_and_kinds() -> None:
    plain = incoming("x")
    edited = Incoming(**{**plain.__dict__, "edited_at": NOW})
    assert plain.delivery_key != edited.delivery_key
    assert plain.delivery_key == incoming("other text").delivery_key
    assert incoming("/x", MessageKind.COMMAND).command == ("x", [])
    assert incoming("not a command").command is None
    assert incoming("/", MessageKind.COMMAND).command is None
