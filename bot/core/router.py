"""Routing: one `Router` per feature, nested into the root by the composition root.

A router holds handlers and child routers. Resolution walks the tree depth-first in the
order things were registered and included (a router's own handlers before its children's),
as aiogram's routers do:

- a **button press** goes to the first callback handler whose `CallbackData` prefix matches;
  its data is unpacked into the typed model (malformed or forged data: the model's
  `invalid_key`, `err.stale_button` unless it says otherwise); a press no model claims goes
  to the handlers `on(MessageKind.CALLBACK)`;
- a **command** goes to the first router that registered the name, else to the first
  fallback (`unknown command`);
- **text** goes to every text handler in order until one sets `ctx.stop`;
- other kinds (stickers, the bot added or removed, …) go to every handler `on` that kind.

Filters are declared when a handler (or a whole router) is registered, never written in a
handler's body: `require=Role.SUPERVISOR` refuses anyone below that role with
`err.forbidden`; `chats=("stewards",)` and `senders=(Role.OWNER,)` make a handler match
only there (it is skipped elsewhere, so another may match).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.core.callbacks import BadCallbackData, CallbackData
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.events import Incoming, MessageKind
from bot.core.roles import Role

log = logging.getLogger(__name__)

Handler = Callable[[Context], Awaitable[None]]
Next = Callable[[Context], Awaitable[None]]
Middleware = Callable[[Context, Next], Awaitable[None]]
CB = TypeVar("CB", bound=CallbackData)
PressHandler = Callable[[Context, Any], Awaitable[None]]


@dataclass(frozen=True)
class Filters:
    """Conditions on an update, checked before a handler runs (see the module docstring)."""

    require: Role | None = None
    chats: frozenset[str] | None = None
    senders: frozenset[Role] | None = None

    @classmethod
    def of(
        cls,
        require: Role | None = None,
        chats: Collection[str] | None = None,
        senders: Collection[Role] | None = None,
    ) -> Filters:
        return cls(
            require,
            frozenset(chats) if chats is not None else None,
            frozenset(senders) if senders is not None else None,
        )

    def matches(self, ctx: Context) -> bool:
        if self.chats is not None and ctx.chat_role not in self.chats:
            return False
        return self.senders is None or ctx.role in self.senders

    def enforce(self, ctx: Context) -> None:
        if self.require is not None and not ctx.role.at_least(self.require):
            raise DomainError("err.forbidden", role=self.require.value)


@dataclass(frozen=True)
class Route:
    """A handler with the filters of its own registration and of every router above it."""

    handler: Handler
    filters: tuple[Filters, ...]

    def matches(self, ctx: Context) -> bool:
        return all(f.matches(ctx) for f in self.filters)

    async def __call__(self, ctx: Context) -> None:
        for f in self.filters:
            f.enforce(ctx)
        await self.handler(ctx)


@dataclass
class _Press:
    data: type[CallbackData]
    handler: PressHandler
    filters: Filters


@dataclass
class Router:
    """A feature's handlers and its child routers; see the module docstring."""

    name: str = "root"
    filters: Filters = field(default_factory=Filters)
    commands: dict[str, tuple[Handler, Filters]] = field(default_factory=dict)
    presses: list[_Press] = field(default_factory=list)
    kinds: dict[MessageKind, list[tuple[Handler, Filters]]] = field(default_factory=dict)
    fallback_command: Handler | None = None
    children: list[Router] = field(default_factory=list)

    # -- registration --------------------------------------------------------------------------
    def command(
        self,
        *names: str,
        require: Role | None = None,
        chats: Collection[str] | None = None,
        senders: Collection[Role] | None = None,
    ) -> Callable[[Handler], Handler]:
        filters = Filters.of(require, chats, senders)

        def register(handler: Handler) -> Handler:
            for name in names:
                if name in self.commands:
                    raise ValueError(f"command /{name} registered twice in {self.name}")
                self.commands[name] = (handler, filters)
            return handler

        return register

    def callback(
        self,
        data: type[CB],
        *,
        require: Role | None = None,
        chats: Collection[str] | None = None,
    ) -> Callable[[Callable[[Context, CB], Awaitable[None]]], Callable[[Context, CB], Awaitable[None]]]:
        """A button press carrying `data` (a `CallbackData` model); the handler gets it unpacked."""
        filters = Filters.of(require, chats)

        def register(
            handler: Callable[[Context, CB], Awaitable[None]],
        ) -> Callable[[Context, CB], Awaitable[None]]:
            self.presses.append(_Press(data, handler, filters))
            return handler

        return register

    def on(
        self,
        *kinds: MessageKind,
        chats: Collection[str] | None = None,
        senders: Collection[Role] | None = None,
    ) -> Callable[[Handler], Handler]:
        filters = Filters.of(None, chats, senders)

        def register(handler: Handler) -> Handler:
            for kind in kinds:
                self.kinds.setdefault(kind, []).append((handler, filters))
            return handler

        return register

    def message(
        self, *, chats: Collection[str] | None = None, senders: Collection[Role] | None = None
    ) -> Callable[[Handler], Handler]:
        """A text message (text and captions); handlers run in order until one stops."""
        return self.on(MessageKind.TEXT, chats=chats, senders=senders)

    def include(self, *children: Router) -> None:
        """Nest `children` under this router: they are consulted after this router's own
        handlers, in the order included, and inherit its filters. A command name may be
        registered once in the whole tree."""
        for child in children:
            clash = set(child.all_commands()) & set(self.all_commands())
            if clash:
                raise ValueError(f"commands from {child.name} clash with the tree: {sorted(clash)}")
            self.children.append(child)

    # -- resolution ----------------------------------------------------------------------------
    def walk(self, above: tuple[Filters, ...] = ()) -> Iterator[tuple[Router, tuple[Filters, ...]]]:
        chain = (*above, self.filters)
        yield self, chain
        for child in self.children:
            yield from child.walk(chain)

    def all_commands(self) -> list[str]:
        return [name for router, _ in self.walk() for name in router.commands]

    def callback_prefixes(self) -> tuple[str, ...]:
        """The prefixes of every button kind in the tree ("t:", "rate:", …), for adapters that
        turn a typed reply back into a press (WeCom)."""
        return tuple(f"{p.data.prefix}:" for router, _ in self.walk() for p in router.presses)

    def resolve(self, incoming: Incoming) -> Sequence[Route]:
        if incoming.kind is MessageKind.CALLBACK:
            return self._press(incoming.callback_data or "")
        if incoming.kind is MessageKind.COMMAND:
            parsed = incoming.command
            fallback: Route | None = None
            for router, chain in self.walk():
                if parsed is not None and parsed[0] in router.commands:
                    handler, filters = router.commands[parsed[0]]
                    return [Route(handler, (*chain, filters))]
                if fallback is None and router.fallback_command is not None:
                    fallback = Route(router.fallback_command, chain)
            return [fallback] if fallback is not None else []
        return [
            Route(handler, (*chain, filters))
            for router, chain in self.walk()
            for handler, filters in router.kinds.get(incoming.kind, [])
        ]

    def _press(self, data: str) -> list[Route]:
        for router, chain in self.walk():
            for press in router.presses:
                if press.data.matches(data):
                    return [Route(_unpacking(press, data), (*chain, press.filters))]
        # No kind of button of ours: a stale or foreign press, for whoever handles those.
        return [
            Route(handler, (*chain, filters))
            for router, chain in self.walk()
            for handler, filters in router.kinds.get(MessageKind.CALLBACK, [])
        ]


def _unpacking(press: _Press, data: str) -> Handler:
    async def handler(ctx: Context) -> None:
        try:
            parsed = press.data.unpack(data)
        except BadCallbackData:
            raise DomainError(press.data.invalid_key, value=data[:20]) from None
        await press.handler(ctx, parsed)

    return handler


class Dispatcher:
    """Runs an update through the middlewares and into the router."""

    def __init__(
        self,
        router: Router,
        middlewares: Sequence[Middleware],
        make_context: Callable[[Incoming], Context],
        after: Callable[[], Any] | None = None,
    ) -> None:
        self.router = router
        self.middlewares = list(middlewares)
        self.make_context = make_context
        self.after = after

    async def handle(self, incoming: Incoming, *, inbox_id: int | None = None) -> Context:
        """Run one update; `inbox_id`: the inbox row it comes from (taken in its transaction).
        Returns its context, whose `outcome` says what became of it."""
        ctx = self.make_context(incoming)
        ctx.inbox_id = inbox_id

        async def endpoint(ctx: Context) -> None:
            routes = self.router.resolve(ctx.incoming)
            ran = False
            for route in routes:
                if not route.matches(ctx):
                    continue
                ran = True
                await route(ctx)
                if ctx.stop:
                    break
            if routes and not ran and ctx.incoming.kind is MessageKind.CALLBACK:
                # A button of ours pressed where it does not belong (a poll's in the stewards'
                # group, forged or forwarded): answered as a stale button, never left spinning.
                raise DomainError("err.stale_button")

        call: Next = endpoint
        for middleware in reversed(self.middlewares):
            call = _bind(middleware, call)
        try:
            await call(ctx)
        finally:
            if self.after is not None:
                self.after()
        return ctx


def _bind(middleware: Middleware, call_next: Next) -> Next:
    async def run(ctx: Context) -> None:
        await middleware(ctx, call_next)

    return run
