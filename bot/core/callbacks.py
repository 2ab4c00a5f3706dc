"""Button data as small typed models, packed into the few bytes a platform carries.

A button's data travels through the platform and comes back on a press: Telegram carries at
most 64 bytes, WeCom has no buttons and shows the data as a command to type back
(`/t accept 42`). A `CallbackData` subclass names its prefix and its fields once; `pack`
and `unpack` are the only places that know the wire form, as aiogram's `CallbackData` does:

    @dataclass(frozen=True)
    class CardAction(CallbackData, prefix="t"):
        action: Literal["claim", "accept", "resolve"]
        ticket_id: int

    CardAction("accept", 42).pack()      -> "t:accept:42"
    CardAction.unpack("t:accept:42")     -> CardAction(action="accept", ticket_id=42)

Fields are `int` (0 ≤ n ≤ 2**31 - 1: what the INTEGER key of the rows buttons name can be,
`bot.core.bounds.MAX_INT`; a larger one would reach PostgreSQL as an int4 parameter and fail),
`str` (no ":"), or a `Literal` of strings. Anything else a press carries, forged or stale,
raises `BadCallbackData`.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, ClassVar, Literal, Self, get_args, get_origin

from bot.core.bounds import MAX_INT

SEPARATOR = ":"
MAX_BYTES = 64  # Telegram's limit on callback_data
MAX_ID = MAX_INT


class BadCallbackData(ValueError):
    """Data that is not a well-formed press of this kind of button."""


class CallbackData:
    """Base of typed button data; subclasses are frozen dataclasses with `prefix=...`."""

    prefix: ClassVar[str]
    # The text key a malformed or forged press of this kind is answered with.
    invalid_key: ClassVar[str] = "err.stale_button"
    _parsers: ClassVar[tuple[tuple[str, Any], ...]]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or SEPARATOR in prefix or "/" in prefix:
            raise ValueError(f"bad callback prefix {prefix!r}")
        cls.prefix = prefix

    @classmethod
    def _fields(cls) -> tuple[tuple[str, Any], ...]:
        cached = cls.__dict__.get("_parsers")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a dataclass")
        hints = typing.get_type_hints(cls)
        found = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))
        for name, kind in found:
            if kind not in (int, str) and get_origin(kind) is not Literal:
                raise TypeError(f"{cls.__name__}.{name}: callback fields are int, str or Literal")
        cls._parsers = found
        return found

    def pack(self) -> str:
        parts = [self.prefix]
        for name, kind in self._fields():
            value = getattr(self, name)
            text = str(value)
            if SEPARATOR in text or not text:
                raise ValueError(f"{type(self).__name__}.{name}: {text!r} cannot be packed")
            if kind is int and not 0 <= int(value) <= MAX_ID:
                raise ValueError(f"{type(self).__name__}.{name}: {value} out of range")
            parts.append(text)
        packed = SEPARATOR.join(parts)
        if len(packed.encode("utf-8")) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {packed!r}")
        return packed

    @classmethod
    def matches(cls, data: str) -> bool:
        """Whether `data` is meant for this kind of button (its prefix), well-formed or not."""
        return data == cls.prefix or data.startswith(cls.prefix + SEPARATOR)

    @classmethod
    def unpack(cls, data: str) -> Self:
        fields = cls._fields()
        head, *parts = data.split(SEPARATOR)
        if head != cls.prefix or len(parts) != len(fields):
            raise BadCallbackData(data[:64])
        values: dict[str, Any] = {}
        for (name, kind), part in zip(fields, parts, strict=True):
            values[name] = _parse(kind, part, data)
        return cls(**values)


def _parse(kind: Any, part: str, data: str) -> Any:
    if kind is int:
        if not part.isascii() or not part.isdigit() or len(part) > len(str(MAX_ID)) or int(part) > MAX_ID:
            raise BadCallbackData(data[:64])
        return int(part)
    if kind is str:
        if not part:
            raise BadCallbackData(data[:64])
        return part
    if part not in get_args(kind):
        raise BadCallbackData(data[:64])
    return part
