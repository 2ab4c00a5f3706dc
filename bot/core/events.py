"""The two platform-neutral types every message travels as.

An adapter turns a platform update into one `Incoming` and renders one `Outgoing` for its
platform. Handlers see nothing else, so they never import a platform library.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class Platform(StrEnum):
    LOCAL = "local"
    TELEGRAM = "telegram"
    WECOM = "wecom"


class MessageKind(StrEnum):
    TEXT = "text"  # plain text, or a photo/video caption
    COMMAND = "command"  # "/my", "/ticket BX-...", "/cmd@BotName args"
    CALLBACK = "callback"  # a button press; `callback_data` carries the button's data
    STICKER = "sticker"
    PHOTO = "photo"  # photo without caption
    VOICE = "voice"
    OTHER_MEDIA = "other_media"
    BOT_ADDED = "bot_added"  # the bot joined a chat
    BOT_REMOVED = "bot_removed"  # the bot left or was kicked
    CHAT_MIGRATED = "chat_migrated"  # group -> supergroup; `migrated_to` holds the new chat id

    @property
    def is_classifiable(self) -> bool:
        return self in (MessageKind.TEXT,)


class ChatType(StrEnum):
    GROUP = "group"
    PRIVATE = "private"


@dataclass(frozen=True)
class Photo:
    """A photo a message carries, as the platform keeps it (never the bytes): `file_id` is
    what the platform re-sends it by (Telegram's file_id, WeCom's MediaId), `unique_id` the
    same picture's stable id (Telegram's file_unique_id), `url` where it can be fetched (WeCom's
    PicUrl); any may be empty."""

    file_id: str
    unique_id: str = ""
    url: str = ""

    def to_list(self) -> list[str]:
        return [self.file_id, self.unique_id, self.url]


@dataclass(frozen=True)
class Incoming:
    """One delivery from a platform.

    `message_id` is the platform's id of the message (or of the callback query); together
    with `platform`, `chat_id` and `edited_at` it identifies the delivery for de-duplication.
    """

    platform: str
    chat_id: str
    sender_id: str
    text: str
    message_id: str
    sent_at: datetime
    sender_name: str = ""
    chat_type: ChatType = ChatType.GROUP
    chat_title: str = ""
    kind: MessageKind = MessageKind.TEXT
    reply_to: str | None = None  # platform message id this message replies to
    thread_id: str | None = None  # forum topic (Telegram) to answer in
    callback_data: str | None = None
    edited_at: datetime | None = None
    migrated_to: str | None = None
    # Platform-specific reply hook (e.g. WeCom's response_url); opaque to handlers.
    reply_hint: str | None = None
    # The sender addressed the bot: an @-mention of it, or a message sent to it directly.
    # Where the bot hears only such messages (WeCom's robots) every live message is; a
    # message read from an archive is not (nobody was talking to the bot).
    addressed: bool = False
    # The photos the message carries (a photo with or without a caption: `kind` is TEXT when
    # it has one, PHOTO when not).
    photos: tuple[Photo, ...] = ()

    @property
    def delivery_key(self) -> str:
        """Unique per delivery: a retry of the same update has the same key, an edit does not."""
        base = f"{self.chat_id}:{self.kind.value}:{self.message_id}"
        if self.edited_at is not None:
            base += f":edit:{int(self.edited_at.timestamp())}"
        return base

    @property
    def command(self) -> tuple[str, list[str]] | None:
        """`("notice", ["list"])` for "/notice@StewardBot list"; None if not a command."""
        if not self.text.startswith("/"):
            return None
        head, *args = self.text.split()
        name = head[1:].split("@", 1)[0].lower()
        if not name:
            return None
        return name, args

    def to_json(self) -> str:
        """The update as the inbox stores it (`from_json` gives it back, equal)."""
        data = {
            "platform": self.platform,
            "chat_id": self.chat_id,
            "sender_id": self.sender_id,
            "text": self.text,
            "message_id": self.message_id,
            "sent_at": self.sent_at.isoformat(),
            "sender_name": self.sender_name,
            "chat_type": self.chat_type.value,
            "chat_title": self.chat_title,
            "kind": self.kind.value,
            "reply_to": self.reply_to,
            "thread_id": self.thread_id,
            "callback_data": self.callback_data,
            "edited_at": self.edited_at.isoformat() if self.edited_at is not None else None,
            "migrated_to": self.migrated_to,
            "reply_hint": self.reply_hint,
            "addressed": self.addressed,
            "photos": [p.to_list() for p in self.photos],
        }
        raw = json.dumps(data, ensure_ascii=False)
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (broken clients send them): kept escaped
            raw = json.dumps(data)
        return raw

    @classmethod
    def from_json(cls, raw: str) -> Incoming:
        data = json.loads(raw)
        edited_at = data.get("edited_at")
        return cls(
            platform=data["platform"],
            chat_id=data["chat_id"],
            sender_id=data["sender_id"],
            text=data["text"],
            message_id=data["message_id"],
            sent_at=datetime.fromisoformat(data["sent_at"]),
            sender_name=data.get("sender_name", ""),
            chat_type=ChatType(data.get("chat_type", ChatType.GROUP.value)),
            chat_title=data.get("chat_title", ""),
            kind=MessageKind(data.get("kind", MessageKind.TEXT.value)),
            reply_to=data.get("reply_to"),
            thread_id=data.get("thread_id"),
            callback_data=data.get("callback_data"),
            edited_at=datetime.fromisoformat(edited_at) if edited_at else None,
            migrated_to=data.get("migrated_to"),
            reply_hint=data.get("reply_hint"),
            addressed=bool(data.get("addressed", False)),
            photos=tuple(Photo(*(str(v) for v in p)) for p in data.get("photos") or ()),
        )


@dataclass(frozen=True)
class Button:
    """A button: what it reads (`label`) and what a press carries (`data`). `say` is what a
    person writes to press it where a platform shows no buttons, in the words the feature
    understands back ("接单 BX-20261123-0001"); without it the adapter shows a command."""

    label: str
    data: str  # opaque to the platform; parsed by handlers (<= 64 bytes for Telegram)
    say: str = ""


@dataclass(frozen=True)
class Mention:
    """A person to notify: the platform user id and the name to show."""

    user_id: str
    name: str


@dataclass(frozen=True)
class CallbackAnswer:
    """The answer to a button press, shown to the person who pressed it only (a toast, or an
    alert box with `alert`); `query_id` is the platform's id of the press."""

    query_id: str
    text: str
    alert: bool = False


@dataclass(frozen=True)
class Outgoing:
    """One message to one chat, as handlers express it.

    `edit_of` asks to replace an earlier message of the bot (its platform message id) where
    the adapter can edit in place (`Capabilities.edit_in_place`); elsewhere it is sent as a
    new message. `answer` answers a button press to the presser alone; a message with an
    answer and no text is only that answer.

    `photo` re-sends a photo the platform already keeps, by its file id (a ticket's photo
    forwarded to staff), where the adapter can (`Capabilities.photo_ids`), `text` its caption.

    `delete` asks to remove a message of the chat (its platform message id, e.g. an owner's
    message that shows their unit to the whole group) where the adapter can
    (`Capabilities.delete_messages`). Its `text`, if any, is what to say instead when the
    platform refuses the deletion (the bot may lack the right): it is posted only then.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    mentions: tuple[Mention, ...] = ()
    reply_to: str | None = None
    thread_id: str | None = None
    image_path: str | None = None
    reply_hint: str | None = None
    urgent: bool = False
    edit_of: str | None = None
    answer: CallbackAnswer | None = None
    delete: str | None = None
    photo: str | None = None

    @property
    def only_answer(self) -> bool:
        """Nothing to post: only a press's answer."""
        return self.answer is not None and not (
            self.text.strip() or self.image_path or self.mentions or self.photo
        )

    def to_json(self) -> str:
        answer = self.answer
        return json.dumps(
            {
                "text": self.text,
                "buttons": [
                    [[b.label, b.data, *([b.say] if b.say else [])] for b in row] for row in self.buttons
                ],
                "mentions": [[m.user_id, m.name] for m in self.mentions],
                "reply_to": self.reply_to,
                "thread_id": self.thread_id,
                "image_path": self.image_path,
                "reply_hint": self.reply_hint,
                "urgent": self.urgent,
                "edit_of": self.edit_of,
                "answer": [answer.query_id, answer.text, answer.alert] if answer is not None else None,
                "delete": self.delete,
                "photo": self.photo,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> Outgoing:
        data = json.loads(raw)
        answer = data.get("answer")
        edit_of = data.get("edit_of")
        legacy = data.get("extra") or {}  # rows queued before these fields were typed
        if answer is None and legacy.get("callback_answer") is not None:
            query = legacy.get("callback_query_id") or data.get("reply_hint") or ""
            answer = [str(query), str(legacy["callback_answer"]), bool(legacy.get("callback_alert"))]
        if edit_of is None and legacy.get("edit_message_id") is not None:
            edit_of = str(legacy["edit_message_id"])
        return cls(
            text=data["text"],
            buttons=tuple(tuple(Button(*button) for button in row) for row in data.get("buttons", [])),
            mentions=tuple(Mention(uid, name) for uid, name in data.get("mentions", [])),
            reply_to=data.get("reply_to"),
            thread_id=data.get("thread_id"),
            image_path=data.get("image_path"),
            reply_hint=data.get("reply_hint"),
            urgent=bool(data.get("urgent", False)),
            edit_of=edit_of,
            answer=CallbackAnswer(str(answer[0]), str(answer[1]), bool(answer[2])) if answer else None,
            delete=data.get("delete"),
            photo=data.get("photo"),
        )


@dataclass(frozen=True)
class SendResult:
    """What a platform answered to one send: the id of the message it created."""

    message_id: str | None


class SendError(Exception):
    """A send that failed. `retry_after` (seconds) when the platform said when to retry;
    `migrated_to` when the chat lives on under a new id (a Telegram group that became a
    supergroup): the sender rebinds the chat and sends there instead."""

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        chat_gone: bool = False,
        migrated_to: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.chat_gone = chat_gone
        self.migrated_to = migrated_to


def utcnow() -> datetime:
    return datetime.now(UTC)
