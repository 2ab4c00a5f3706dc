"""What an adapter's calls to its platform came to, for /healthz and /metrics.

An adapter records every request it makes to its platform's API: `ok` when the platform
answered (a refusal such as "chat not found" is an answer: the platform works), `failed`
when it did not (a timeout, a connection error, a 5xx, an answer that is not the API's),
and `rate_limited` for each flood-control answer (Telegram's 429, WeCom's 45009). The log
keeps counts, the time of the last success and failure, and the failures since the last
success; it never keeps message text.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.redact import scrub


@dataclass(frozen=True)
class CallSnapshot:
    """A copy of a `CallLog` at one moment (wall-clock times, seconds since the epoch)."""

    platform: str
    last_success: float | None
    last_failure: float | None
    consecutive_failures: int
    last_error: str | None
    outcomes: dict[str, int] = field(default_factory=dict)  # ok / refused / error
    rate_limited: dict[str, int] = field(default_factory=dict)  # "429", "45009"

    def success_age(self, now: float) -> float | None:
        return None if self.last_success is None else max(now - self.last_success, 0.0)


class CallLog:
    def __init__(self, platform: str, *, clock: Callable[[], float] = time.time) -> None:
        self.platform = platform
        self._clock = clock
        self._created = clock()
        self._last_success: float | None = None
        self._last_failure: float | None = None
        self._consecutive = 0
        self._last_error: str | None = None
        self._outcomes: Counter[str] = Counter()
        self._rate_limited: Counter[str] = Counter()

    def age(self, now: float) -> float:
        """Seconds since the log began (the adapter was built)."""
        return max(now - self._created, 0.0)

    def ok(self, *, refused: bool = False) -> None:
        """The platform answered (`refused`: with a refusal of this request)."""
        self._last_success = self._clock()
        self._consecutive = 0
        self._outcomes["refused" if refused else "ok"] += 1

    def failed(self, reason: str) -> None:
        """The platform did not answer as its API does (`reason`: short, no message text)."""
        self._last_failure = self._clock()
        self._consecutive += 1
        # /healthz may be public: no secret, URL token or quoted text (`redact.scrub`).
        self._last_error = scrub(reason)[:200]
        self._outcomes["error"] += 1

    def rate_limited(self, code: str) -> None:
        self._rate_limited[code] += 1

    def snapshot(self) -> CallSnapshot:
        return CallSnapshot(
            self.platform,
            self._last_success,
            self._last_failure,
            self._consecutive,
            self._last_error,
            dict(self._outcomes),
            dict(self._rate_limited),
        )
