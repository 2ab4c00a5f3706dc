"""Errors a user can cause, carried to the chat as a text key and its values."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An error the user caused, with a message fit to show in chat (a text key + values).

    Services raise it; the errors middleware renders it in the chat's language and answers
    the update with it, after rolling the update's work back."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
