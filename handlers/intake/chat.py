"""Chat entry points of intake: every message in a group is logged; an owner's text in their
group, or sent to Steward directly, is acted on (`IntakeService.act_on`; one it was not sure
of is kept for the stewards' digest once logged) and watched (`IntakeService.observe`).
Non-text messages (stickers, voice, photos without caption) are logged, not classified; an
owner's photo (with or without a caption) that belongs to their ticket is kept as its photo
(`IntakeService.keep_photos`).
Intake's text handlers come last in the routing order: they take whatever no other feature
consumed.

A direct chat is a person's own: an owner's goes through the owner's flow (answered there,
the ticket's card in the stewards' group, as for a report in a group); an owner Steward does
not know yet (never seen in an owners' group, no unit) is told how to be known. Nothing staff
say to Steward privately is stored: their commands and words were handled by the features
that took them, and the rest is not the property's record.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.events import MessageKind
from bot.core.roles import Role
from bot.core.router import Router
from handlers.intake.service import IntakeService
from handlers.tickets import Report
from nlp.classification import Classification
from storage.messages.models import MessageLog

MEDIA = (MessageKind.STICKER, MessageKind.PHOTO, MessageKind.VOICE, MessageKind.OTHER_MEDIA)


class IntakeChat:
    def __init__(self, service: IntakeService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="intake")
        router.on(*MEDIA)(self.media)
        router.message(chats=("owners", "private"), senders=(Role.OWNER,))(self.owner_message)
        router.message()(self.message)
        return router

    @staticmethod
    def kept(ctx: Context) -> bool:
        """Whether the message is logged: everything in groups, and an owner's own in a
        direct chat (staff's private chats are not stored)."""
        return ctx.chat_role != "private" or ctx.role is Role.OWNER

    def entry(self, ctx: Context, classification: Classification | None) -> MessageLog:
        assert ctx.chat is not None
        return self.service.entry(ctx.incoming, ctx.chat, ctx.community, ctx.member, classification)

    async def media(self, ctx: Context) -> None:
        """Logged for the record; nothing to classify. An owner's photo right after their
        report (or replying to Steward's line about it) is that ticket's photo."""
        if not self.kept(ctx):
            return
        entry = self.entry(ctx, None)
        await self.photos(ctx, entry)
        await ctx.uow.messages.log(entry)

    async def photos(self, ctx: Context, entry: MessageLog) -> None:
        community, chat, member = ctx.community, ctx.chat, ctx.member
        if not ctx.incoming.photos or ctx.role is not Role.OWNER:
            return
        if community is None or chat is None or member is None:
            return
        await self.service.keep_photos(
            ctx.uow,
            ctx.incoming,
            ctx.incoming.photos,
            community=community,
            chat=chat,
            member=member,
            entry=entry,
            now=ctx.now,
        )

    async def owner_message(self, ctx: Context) -> None:
        """An owner writing in their group."""
        ctx.stop = True  # taken: the handler for any other text does not run
        community, chat, member = ctx.community, ctx.chat, ctx.member
        if community is None or chat is None or member is None:
            await self.message(ctx)
            if ctx.chat_role == "private" and ctx.incoming.text.strip():
                await ctx.reply(ctx.t("intake.private.unknown"))
            return
        if not ctx.incoming.text.strip():
            await ctx.uow.messages.log(self.entry(ctx, None))
            return
        classification = self.service.classify(ctx.incoming)
        entry = self.entry(ctx, classification)
        incoming = ctx.incoming
        report = Report(
            community,
            chat,
            member,
            incoming.text,
            incoming.message_id,
            incoming.thread_id,
            incoming.reply_hint,
            incoming.reply_to,
            sent_at=incoming.sent_at,
            mention_owner=not ctx.capabilities.replies and ctx.chat_role != "private",
        )
        kept = await self.service.act_on(ctx.uow, report, classification, entry, ctx.now)
        await self.photos(ctx, entry)
        await ctx.uow.messages.log(entry)
        if kept:
            await self.service.keep(ctx.uow, report, classification, entry)
        await self.service.observe(ctx.uow, report, classification, entry, ctx.now)

    async def message(self, ctx: Context) -> None:
        """Any other text (staff, other groups, an unknown owner's direct chat): logged only."""
        if not self.kept(ctx):
            return
        if not ctx.incoming.text.strip():
            await ctx.uow.messages.log(self.entry(ctx, None))
            return
        await ctx.uow.messages.log(self.entry(ctx, self.service.classify(ctx.incoming)))
