"""Routing: one `Router` per feature module, included into the root by the composition root.

Handlers are plain async functions taking a `Context`. The dispatcher runs every update
through the middleware chain (errors → session → de-duplication → resolution) and then
to the first matching handler: callbacks by data prefix, commands by name, member/chat
events by kind, text by the message handlers in order.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.context import Context
from bot.core.events import Incoming, MessageKind

log = logging.getLogger(__name__)

Handler = Callable[[Context], Awaitable[None]]
Next = Callable[[Context], Awaitable[None]]
Middleware = Callable[[Context, Next], Awaitable[None]]


@dataclass
class Router:
    """A feature's handlers. `include` nests routers the way aiogram's do."""

    name: str = "root"
    commands: dict[str, Handler] = field(default_factory=dict)
    callbacks: list[tuple[str, Handler]] = field(default_factory=list)
    kinds: dict[MessageKind, list[Handler]] = field(default_factory=dict)
    messages: list[Handler] = field(default_factory=list)
    fallback_command: Handler | None = None

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                if name in self.commands:
                    raise ValueError(f"command /{name} registered twice")
                self.commands[name] = handler
            return handler

        return register

    def callback(self, prefix: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.callbacks.append((prefix, handler))
            return handler

        return register

    def on(self, *kinds: MessageKind) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for kind in kinds:
                self.kinds.setdefault(kind, []).append(handler)
            return handler

        return register

    def message(self, handler: Handler) -> Handler:
        self.messages.append(handler)
        return handler

    def include(self, other: Router) -> None:
        for name, handler in other.commands.items():
            if name in self.commands:
                raise ValueError(f"command /{name} from {other.name} clashes")
            self.commands[name] = handler
        self.callbacks.extend(other.callbacks)
        for kind, handlers in other.kinds.items():
            self.kinds.setdefault(kind, []).extend(handlers)
        self.messages.extend(other.messages)
        if other.fallback_command is not None:
            self.fallback_command = other.fallback_command

    def resolve(self, incoming: Incoming) -> Sequence[Handler]:
        if incoming.kind is MessageKind.CALLBACK:
            data = incoming.callback_data or ""
            for prefix, handler in self.callbacks:
                if data.startswith(prefix):
                    return [handler]
            return list(self.kinds.get(MessageKind.CALLBACK, []))  # unknown or stale button
        if incoming.kind is MessageKind.COMMAND:
            parsed = incoming.command
            if parsed is not None and parsed[0] in self.commands:
                return [self.commands[parsed[0]]]
            return [self.fallback_command] if self.fallback_command else []
        if incoming.kind is MessageKind.TEXT:
            return list(self.kinds.get(MessageKind.TEXT, [])) + self.messages
        return list(self.kinds.get(incoming.kind, []))


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

    async def handle(self, incoming: Incoming) -> None:
        ctx = self.make_context(incoming)

        async def endpoint(ctx: Context) -> None:
            for handler in self.router.resolve(ctx.incoming):
                await handler(ctx)
                if ctx.stop:
                    break

        call: Next = endpoint
        for middleware in reversed(self.middlewares):
            call = _bind(middleware, call)
        try:
            await call(ctx)
        finally:
            if self.after is not None:
                self.after()


def _bind(middleware: Middleware, call_next: Next) -> Next:
    async def run(ctx: Context) -> None:
        await middleware(ctx, call_next)

    return run
