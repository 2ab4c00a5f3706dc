"""Cross-cutting work for every update, in one place (aiogram-style middlewares).

Order (outermost first): `errors` → `session` → `deduplicate` → `resolve`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.events import ChatType, MessageKind
from bot.core.roles import Role
from bot.core.router import Middleware, Next
from storage.db import WriteGate
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_TEXT = 20_000  # characters kept from one message; longer texts are cut, not refused


def errors(sessions: async_sessionmaker[AsyncSession]) -> Middleware:
    """Domain errors become a polite reply; anything else is logged and apologised for.

    Either way the update's transaction is rolled back first, so nothing half-written
    lands; the reply is written in a fresh transaction of its own.
    """

    async def middleware(ctx: Context, call_next: Next) -> None:
        try:
            await call_next(ctx)
            return
        except DomainError as exc:
            key, values = exc.key, dict(exc.values)
            log.info("update %s refused: %s", ctx.incoming.delivery_key, key)
        except Exception:
            log.exception(
                "update %s (%s, %s) failed",
                ctx.incoming.delivery_key,
                ctx.incoming.platform,
                ctx.incoming.kind,
            )
            key, values = "err.internal", {}
        if ctx.incoming.kind in (MessageKind.BOT_REMOVED, MessageKind.CHAT_MIGRATED):
            return
        try:
            async with sessions() as session:
                # The failed session's objects died with its rollback: look them up again.
                store = UnitOfWork(session)
                chat = await store.directory.chat_by_platform_id(ctx.incoming.platform, ctx.incoming.chat_id)
                community = (
                    await store.directory.community(chat.community_id) if chat and chat.community_id else None
                )
                reply_ctx = Context(
                    incoming=ctx.incoming, services=ctx.services, uow_=store, chat=chat, community=community
                )
                await reply_ctx.reply(reply_ctx.t(key, **values))
                # The refusal is the answer to this delivery: a retry must not answer twice.
                reply_ctx.uow.messages.mark_processed(
                    ctx.incoming.platform, ctx.incoming.delivery_key, ctx.now
                )
                await reply_ctx.uow.commit()
        except Exception:
            log.exception("could not send the error reply for %s", ctx.incoming.delivery_key)

    return middleware


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
    """Drop an update already handled (platforms redeliver), and commit the handled one.

    The processed-delivery row is the transaction's first write: a second copy fails on the
    unique constraint at once (and a concurrent copy waits for the first to commit, then
    fails), so it is dropped before any work. The row commits with the handler's work, so a
    handler that fails leaves no mark and the platform's retry is handled.
    """

    async def middleware(ctx: Context, call_next: Next) -> None:
        store, incoming = ctx.uow, ctx.incoming
        if not await store.messages.claim_delivery(incoming.platform, incoming.delivery_key, ctx.now):
            await store.rollback()
            log.debug("duplicate delivery %s dropped", incoming.delivery_key)
            return
        await call_next(ctx)
        await store.commit()

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
            incoming.platform, incoming.chat_id, incoming.chat_title, ctx.now, sender_id=incoming.sender_id
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
