"""Routing and the middleware chain, without a database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, Literal

import pytest

from bot.core.callbacks import BadCallbackData, CallbackData
from bot.core.clock import FrozenClock
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.events import Incoming, MessageKind
from bot.core.roles import Role
from bot.core.router import Dispatcher, Next, Router
from bot.core.services import Services
from bot.core.texts import Texts

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Accept(CallbackData, prefix="t"):
    action: Literal["accept", "resolve"]
    ticket_id: int


@dataclass(frozen=True)
class Vote(CallbackData, prefix="vote"):
    invalid_key: ClassVar[str] = "vote.err"

    choice: str


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

    @feature.callback(Accept)
    async def accept(ctx: Context, press: Accept) -> None:
        seen.append(f"accept:{press.ticket_id}")

    @feature.on(MessageKind.STICKER)
    async def sticker(ctx: Context) -> None:
        seen.append("sticker")

    @feature.message()
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
    assert seen == ["my:all", "my:", "accept:7", "sticker", "text:电梯坏了"]


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

    @root.message()
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
    with pytest.raises(ValueError, match="clash"):
        root.include(b)


def test_delivery_key_distinguishes_edits_and_kinds() -> None:
    plain = incoming("x")
    edited = Incoming(**{**plain.__dict__, "edited_at": NOW})
    assert plain.delivery_key != edited.delivery_key
    assert plain.delivery_key == incoming("other text").delivery_key
    assert incoming("/x", MessageKind.COMMAND).command == ("x", [])
    assert incoming("not a command").command is None
    assert incoming("/", MessageKind.COMMAND).command is None


def test_button_data_packs_and_unpacks_and_refuses_what_it_did_not_pack() -> None:
    assert Accept("accept", 42).pack() == "t:accept:42"
    assert Accept.unpack("t:resolve:7") == Accept("resolve", 7)
    for forged in (
        "t:accept",
        "t:accept:42:1",
        "t:delete:42",
        "t:accept:x",
        "t:accept:-1",
        "t:accept:99999999999999999999",
        "t:accept:１２",
        "x:accept:42",
        "",
    ):
        with pytest.raises(BadCallbackData):
            Accept.unpack(forged)
    with pytest.raises(ValueError, match="cannot be packed"):
        Vote("a:b").pack()
    with pytest.raises(ValueError, match="over 64 bytes"):
        Vote("票" * 30).pack()


async def test_a_malformed_press_is_refused_with_the_kind_s_own_key() -> None:
    root = Router()
    seen: list[str] = []

    @root.callback(Accept)
    async def accept(ctx: Context, press: Accept) -> None:
        seen.append(press.action)

    @root.callback(Vote)
    async def vote(ctx: Context, press: Vote) -> None:
        seen.append(press.choice)

    dispatcher = make_dispatcher(root, [])
    with pytest.raises(DomainError) as stale:
        await dispatcher.handle(incoming(kind=MessageKind.CALLBACK, data="t:accept:abc"))
    assert stale.value.key == "err.stale_button"
    with pytest.raises(DomainError) as bad_vote:
        await dispatcher.handle(incoming(kind=MessageKind.CALLBACK, data="vote:a:b"))
    assert bad_vote.value.key == "vote.err"
    await dispatcher.handle(incoming(kind=MessageKind.CALLBACK, data="vote:yes"))
    assert seen == ["yes"]
    assert root.callback_prefixes() == ("t:", "vote:")


async def test_requirements_refuse_and_filters_skip_declared_at_registration() -> None:
    seen: list[str] = []
    staff = Router(name="staff", filters=Router().filters.of(require=Role.STEWARD))

    @staff.command("accept")
    async def accept(ctx: Context) -> None:
        seen.append("accept")

    @staff.command("cancel", require=Role.SUPERVISOR)
    async def cancel(ctx: Context) -> None:
        seen.append("cancel")

    owners = Router(name="owners")

    @owners.message(chats=("owners",))
    async def in_owner_group(ctx: Context) -> None:
        seen.append("owner text")

    @owners.message()
    async def anywhere(ctx: Context) -> None:
        seen.append("any text")

    root = Router()
    root.include(staff, owners)
    dispatcher = make_dispatcher(root, [])

    async def as_role(role: Role, update: Incoming) -> None:
        def context(i: Incoming) -> Context:
            ctx = Context(incoming=i, services=dispatcher_services)
            ctx.role = role
            return ctx

        dispatcher.make_context = context
        await dispatcher.handle(update)

    dispatcher_services = make_dispatcher(Router(), []).make_context(incoming()).services
    with pytest.raises(DomainError) as refused:
        await as_role(Role.OWNER, incoming("/accept BX-1", MessageKind.COMMAND))
    assert (refused.value.key, refused.value.values) == ("err.forbidden", {"role": "steward"})
    with pytest.raises(DomainError) as refused_cancel:
        await as_role(Role.STEWARD, incoming("/cancel BX-1", MessageKind.COMMAND))
    assert refused_cancel.value.values == {"role": "supervisor"}
    await as_role(Role.STEWARD, incoming("/accept BX-1", MessageKind.COMMAND))
    await as_role(Role.SUPERVISOR, incoming("/cancel BX-1", MessageKind.COMMAND))
    await as_role(Role.OWNER, incoming("hello"))  # not in an owner group (no chat): skipped
    assert seen == ["accept", "cancel", "any text"]


def test_routers_nest_and_a_command_is_registered_once_in_the_whole_tree() -> None:
    leaf, middle, root = Router(name="leaf"), Router(name="middle"), Router()

    @leaf.command("deep")
    async def deep(ctx: Context) -> None: ...

    middle.include(leaf)
    root.include(middle)
    assert root.all_commands() == ["deep"]
    assert [r.name for r, _ in root.walk()] == ["root", "middle", "leaf"]
    other = Router(name="other")

    @other.command("deep")
    async def again(ctx: Context) -> None: ...

    with pytest.raises(ValueError, match="clash"):
        root.include(other)
