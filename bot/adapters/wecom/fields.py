"""Typed field access for untrusted WeCom payloads (callbacks and archive records)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MAX_ID_LEN = 256


class WeComPayloadError(ValueError):
    """A payload we cannot turn into an Incoming; the message says which field and why."""


def clean(value: str) -> str:
    """Replace lone surrogates (JSON can smuggle them in as \\ud800) so the text encodes."""
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def utcnow() -> datetime:
    return datetime.now(UTC)


def req_obj(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise WeComPayloadError(f"'{key}' must be an object")
    return value


def req_str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise WeComPayloadError(f"'{key}' must be a string")
    return clean(value)


def opt_str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise WeComPayloadError(f"'{key}' must be a string")
    return clean(value)


def req_id(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise WeComPayloadError(f"'{key}' must be a non-empty string")
    if len(value) > MAX_ID_LEN:
        raise WeComPayloadError(f"'{key}' is too long")
    return clean(value)
