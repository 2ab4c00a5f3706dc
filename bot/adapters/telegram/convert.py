"""Telegram updates to `Incoming`: the only place that knows how Telegram shapes a message.

One update gives at most one `Incoming`; updates Steward has no use for (service messages such as
"X joined", pins, title changes, the `migrate_from_chat_id` echo in the new supergroup, inline
queries, promotions of the bot) give None.
"""

from __future__ import annotations

import re

from telegram import CallbackQuery, ChatMember, ChatMemberUpdated, Message, Update
from telegram.constants import ChatType as TgChatType

from bot.core.events import ChatType, Incoming, MessageKind, Photo, Platform, utcnow

PLATFORM = Platform.TELEGRAM.value

# "/cmd" or "/cmd@SomeBot" at the very start, followed by whitespace or the end.
_COMMAND_RE = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)")

_MEMBER_STATUSES = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER})


def update_to_incoming(update: Update, *, bot_username: str) -> Incoming | None:
    """The `Incoming` for one update, or None when Steward should not see it."""
    if update.callback_query is not None:
        return _callback(update.callback_query)
    if update.my_chat_member is not None:
        return _membership(update.my_chat_member, update.update_id)
    if update.message is not None:
        return _message(update.message, bot_username, edited=False)
    if update.edited_message is not None:
        return _message(update.edited_message, bot_username, edited=True)
    return None


def addressed_bot(text: str) -> str | None:
    """ "StewardBot" for "/help@StewardBot …", "" for a plain "/help …", None if not a command."""
    match = _COMMAND_RE.match(text)
    if match is None:
        return None
    return match.group(2) or ""


def _sender(message: Message) -> tuple[str, str]:
    if message.sender_chat is not None:  # an anonymous admin or a linked channel
        return str(message.sender_chat.id), message.sender_chat.title or ""
    if message.from_user is not None:
        return str(message.from_user.id), message.from_user.full_name
    return "", ""


def _thread_id(message: Message) -> str | None:
    # message_thread_id is also set on replies in ordinary supergroups; only topics count.
    if message.is_topic_message and message.message_thread_id is not None:
        return str(message.message_thread_id)
    return None


def _reply_to(message: Message) -> str | None:
    reply = message.reply_to_message
    if reply is None:
        return None
    if message.is_topic_message and reply.message_id == message.message_thread_id:
        return None  # Telegram presents every topic message as a reply to the topic's root
    return str(reply.message_id)


def _media_kind(message: Message) -> MessageKind | None:
    if message.sticker is not None:
        return MessageKind.STICKER
    if message.voice is not None:
        return MessageKind.VOICE
    if message.photo:
        return MessageKind.PHOTO
    if message.effective_attachment is not None:
        return MessageKind.OTHER_MEDIA  # video, document, audio, location, poll, …
    return None


def _photos(message: Message) -> tuple[Photo, ...]:
    """The largest size of the message's photo (Telegram sends every size, smallest first)."""
    if not message.photo:
        return ()
    largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
    return (Photo(largest.file_id, largest.file_unique_id),)


def _message(message: Message, bot_username: str, *, edited: bool) -> Incoming | None:
    if message.migrate_to_chat_id is not None:
        return _from_message(message, MessageKind.CHAT_MIGRATED, "", edited, str(message.migrate_to_chat_id))
    text = message.text if message.text is not None else message.caption
    if text and text.strip():
        target = addressed_bot(text)
        if target is None:
            return _from_message(message, MessageKind.TEXT, text, edited)
        if target and target.lower() != bot_username.lower():
            return None  # "/cmd@OtherBot" is for another bot in the group
        return _from_message(message, MessageKind.COMMAND, text, edited)
    media = _media_kind(message)
    if media is None:
        return None  # a service message
    return _from_message(message, media, "", edited)


def _from_message(
    message: Message, kind: MessageKind, text: str, edited: bool, migrated_to: str | None = None
) -> Incoming:
    chat = message.chat
    private = chat.type == TgChatType.PRIVATE
    sender_id, sender_name = _sender(message)
    return Incoming(
        platform=PLATFORM,
        chat_id=str(chat.id),
        chat_type=ChatType.PRIVATE if private else ChatType.GROUP,
        chat_title=(chat.full_name if private else chat.title) or "",
        sender_id=sender_id,
        sender_name=sender_name,
        text=text,
        message_id=str(message.message_id),
        sent_at=message.date,
        kind=kind,
        reply_to=_reply_to(message),
        thread_id=_thread_id(message),
        edited_at=(message.edit_date or utcnow()) if edited else None,
        migrated_to=migrated_to,
        photos=_photos(message),
    )


def _callback(query: CallbackQuery) -> Incoming | None:
    message = query.message
    if message is None:
        return None  # a button on an inline-mode message: no chat to act in
    chat = message.chat
    thread_id = _thread_id(message) if isinstance(message, Message) else None
    private = chat.type == TgChatType.PRIVATE
    return Incoming(
        platform=PLATFORM,
        chat_id=str(chat.id),
        chat_type=ChatType.PRIVATE if private else ChatType.GROUP,
        chat_title=(chat.full_name if private else chat.title) or "",
        sender_id=str(query.from_user.id),
        sender_name=query.from_user.full_name,
        text="",
        message_id=query.id,
        sent_at=utcnow(),  # callback queries carry no date
        kind=MessageKind.CALLBACK,
        callback_data=query.data or "",
        reply_to=str(message.message_id),
        thread_id=thread_id,
        reply_hint=query.id,
    )


def _is_member(member: ChatMember) -> bool:
    if member.status in _MEMBER_STATUSES:
        return True
    return member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False))


def _membership(change: ChatMemberUpdated, update_id: int) -> Incoming | None:
    was, now = _is_member(change.old_chat_member), _is_member(change.new_chat_member)
    if was == now:
        return None  # promoted, restricted, …: still in (or still out of) the chat
    chat = change.chat
    private = chat.type == TgChatType.PRIVATE
    return Incoming(
        platform=PLATFORM,
        chat_id=str(chat.id),
        chat_type=ChatType.PRIVATE if private else ChatType.GROUP,
        chat_title=(chat.full_name if private else chat.title) or "",
        sender_id=str(change.from_user.id),
        sender_name=change.from_user.full_name,
        text="",
        message_id=f"member:{update_id}",
        sent_at=change.date,
        kind=MessageKind.BOT_ADDED if now else MessageKind.BOT_REMOVED,
    )
