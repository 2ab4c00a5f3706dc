"""Working hours as people write them in the community file: "08:00-20:00"."""

from __future__ import annotations

import re
from datetime import time

_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def parse_hours(value: str) -> tuple[time, time]:
    """ "08:00-20:00" -> (08:00, 20:00); "24:00" means end of day (time.max)."""
    match = _HOURS.match(value)
    if not match:
        raise ValueError(f"hours must look like 08:00-20:00, got {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise ValueError(f"hours out of range: {value!r}")
    start = time(h1, m1)
    end = time.max if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"hours must end after they start: {value!r}")
    return start, end
