"""Cross-cutting work for every update, in one place (aiogram-style middlewares).

Order (outermost first): `errors` → `session` → `deduplicate` → `resolve`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.context import Context, Outcome
from bot.core.errors import DomainError
from bot.core.events import ChatType, Incoming, MessageKind
from bot.core.roles import Role
from bot.core.router import Middleware, Next
from bot.core.services import Services
from storage.db import WriteGate
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_TEXT = 20_000  # characters kept from one message; longer texts are cut, not refused


def errors(sessions: async_sessionmaker[AsyncSession], gate: WriteGate | None = None) -> Middleware:
    """A domain error is the update's answer: the update's work is rolled back, and the polite
    reply is written, with the delivery marked handled and the inbox row done, in a fresh
    transaction of its own. Anything else is not swallowed: it propagates with the update's
    transaction rolled back, so the inbox retries the update (and apologises only when it
    gives up, `bot.core.inbox`). If the reply itself cannot be written, that propagates too."""
    gate = gate or WriteGate(serialize=False)

    async def middleware(ctx: Context, call_next: Next) -> None:
        try:
            await call_next(ctx)
            return
        except DomainError as exc:
            key, values = exc.key, dict(exc.values)
            log.info("update %s refused: %s", ctx.incoming.delivery_key, key)
        lang = ctx.language  # a plain string: the community object died with the rollback
        async with gate(), sessions() as session:
            store = UnitOfWork(session)
            if ctx.inbox_id is not None and not await store.inbox.take(ctx.inbox_id, ctx.now):
                ctx.outcome = Outcome.NOT_TAKEN
                return
            # The refusal is the answer to this delivery: a retry must not answer twice.
            if not await store.messages.claim_delivery(
                ctx.incoming.platform, ctx.incoming.delivery_key, ctx.now
            ):
                await store.commit()
                ctx.outcome = Outcome.DUPLICATE
                return
            if ctx.incoming.kind not in SILENT:
                await answer(store, ctx.services, ctx.incoming, key, values, lang=lang)
            await store.commit()
            ctx.outcome = Outcome.HANDLED

    return middleware


# Updates nobody can be answered in: the bot left the chat, or the chat moved to a new id.
SILENT = frozenset({MessageKind.BOT_REMOVED, MessageKind.CHAT_MIGRATED})


async def answer(
    store: UnitOfWork,
    services: Services,
    incoming: Incoming,
    key: str,
    values: dict[str, Any],
    *,
    lang: str | None = None,
    to_presser: bool = True,
) -> None:
    """Reply `key` to `incoming` within `store`'s transaction (a refusal's answer, or the
    apology for an update given up on), in `lang` (the language the update was being
    answered in), else the chat's. The chat is looked up afresh: the failed handling's
    objects died with its rollback.

    A button press is answered to the presser alone, in a box they dismiss, where the
    platform answers presses (`Capabilities.answers`): a refusal is nobody else's business,
    least of all an owner group's. Elsewhere (a press typed back as a command) it is a reply,
    and so is an answer written long after the press (`to_presser=False`: the platform no
    longer takes an answer to it). A refusal for want of a role names the role needed."""
    chat = await store.directory.chat_by_platform_id(incoming.platform, incoming.chat_id)
    community = None
    if lang is None and chat is not None and chat.community_id:
        community = await store.directory.community(chat.community_id)
    reply_ctx = Context(
        incoming=incoming, services=services, uow_=store, chat=chat, community=community, language=lang
    )
    text = refusal_text(reply_ctx, key, values)
    if to_presser and incoming.kind is MessageKind.CALLBACK and reply_ctx.capabilities.answers:
        await reply_ctx.answer(text, alert=True)
        return
    await reply_ctx.reply(text)


# The role a refusal names (`err.forbidden` carries `role=`): who may do it.
NEEDED = {
    Role.SUPERVISOR: "err.role.supervisor",
    Role.MANAGER: "err.role.manager",
    Role.ADMIN: "err.role.admin",
}


def refusal_text(ctx: Context, key: str, values: dict[str, Any]) -> str:
    """The words of a domain error: `err.forbidden` says which role the step needs when it
    is more than staff (「仅限主管及以上人员」), so a steward knows whom to ask."""
    if key == "err.forbidden":
        needed = NEEDED.get(Role(values["role"])) if values.get("role") in set(Role) else None
        if needed is not None:
            return ctx.t("err.forbidden_role", role=ctx.t(needed))
        return ctx.t(key)
    return ctx.t(key, **values)


def session(sessions: async_sessionmaker[AsyncSession], gate: WriteGate | None = None) -> Middleware:
    """One session and one transaction per update; committed by `deduplicate` on success.
    On SQLite the update holds the write gate (see `storage.db.WriteGate`)."""
    gate = gate or WriteGate(serialize=False)

    async def middleware(ctx: Context, call_next: Next) -> None:
        async with gate(), sessions() as db:
            ctx.uow_ = UnitOfWork(db)
            try:
                await call_next(ctx)
            except BaseException:
                await db.rollback()
                raise
            finally:
                ctx.uow_ = None

    return middleware


def deduplicate() -> Middleware:
    """Handle an update once, and commit the handled one with its inbox row done.

    The transaction's first write takes the update's inbox row (`ctx.inbox_id`): marked done
    only if still pending and its chat's oldest pending row, so another worker's copy of the
    row, or a later update of the chat, waits its turn (`Outcome.NOT_TAKEN`, rolled back).
    The second is the processed-delivery row: a delivery handled before is dropped before any
    work (a concurrent copy waits for the first to commit, then finds it). Both commit with the
    handler's work, so a handler that fails leaves no mark and the inbox retries the update;
    a crash between the handling and the mark cannot happen, as they are one commit.
    """

    async def middleware(ctx: Context, call_next: Next) -> None:
        store, incoming = ctx.uow, ctx.incoming
        if ctx.inbox_id is not None and not await store.inbox.take(ctx.inbox_id, ctx.now):
            await store.rollback()
            ctx.outcome = Outcome.NOT_TAKEN
            return
        if not await store.messages.claim_delivery(incoming.platform, incoming.delivery_key, ctx.now):
            if ctx.inbox_id is not None:
                await store.commit()  # its inbox row is done: the delivery was handled before
            else:
                await store.rollback()
            log.debug("duplicate delivery %s dropped", incoming.delivery_key)
            ctx.outcome = Outcome.DUPLICATE
            return
        await call_next(ctx)
        await store.commit()
        ctx.outcome = Outcome.HANDLED

    return middleware


def resolve(is_admin: Callable[[str, str], bool]) -> Middleware:
    """Find the chat, its community and role, the sender and the sender's role."""

    async def middleware(ctx: Context, call_next: Next) -> None:
        incoming, directory = ctx.incoming, ctx.uow.directory
        cleaned = storable(incoming.text[:MAX_TEXT])
        name, title = storable(incoming.sender_name[:200]), storable(incoming.chat_title[:200])
        if (cleaned, name, title) != (incoming.text, incoming.sender_name, incoming.chat_title):
            ctx.incoming = incoming = replace(incoming, text=cleaned, sender_name=name, chat_title=title)
        chat, community = await directory.see_chat(
            incoming.platform,
            incoming.chat_id,
            incoming.chat_title,
            ctx.now,
            sender_id=incoming.sender_id,
            heard=incoming.kind not in SILENT,
        )
        if incoming.chat_type is ChatType.PRIVATE and chat.role == "unbound":
            chat.role = "private"
        ctx.chat = chat
        ctx.community = community
        owners_here = ctx.community.id if ctx.community is not None and chat.role == "owners" else None
        member = await directory.see_member(
            incoming.platform, incoming.sender_id, incoming.sender_name, ctx.now, owners_here
        )
        ctx.member = member
        steward = await directory.steward_by_account(
            ctx.community.id if ctx.community else None, incoming.platform, incoming.sender_id
        )
        ctx.steward = steward
        if steward is not None:
            ctx.role = Role(steward.role)
            if member.steward_id != steward.id:
                member.steward_id = steward.id
            if ctx.community is None and chat.role == "private":
                ctx.community = await directory.community(steward.community_id)
        else:
            ctx.role = Role.OWNER
            if member.community_id is None and ctx.community is not None and chat.role == "owners":
                member.community_id = ctx.community.id
            if ctx.community is None and chat.role == "private" and member.community_id:
                ctx.community = await directory.community(member.community_id)
        if is_admin(incoming.platform, incoming.sender_id):
            ctx.role = Role.ADMIN
        ctx.language = ctx.lang
        await call_next(ctx)

    return middleware


def storable(text: str) -> str:
    """Text every database accepts: no NUL (PostgreSQL refuses it), no lone surrogates
    (not encodable as UTF-8; broken clients send them)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text
