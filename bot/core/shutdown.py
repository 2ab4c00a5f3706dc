"""Bounded shutdown: each step of a stop gets a deadline, so one stuck part (an adapter waiting
on a network call, a handler waiting on a lock) cannot hold the process or keep the others
from stopping. A step that overruns is cancelled, reported with the stacks of the tasks still
running (code locations only, never message text), and the stop goes on with the next step.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable

log = logging.getLogger(__name__)


async def bounded(what: str, step: Awaitable[None], seconds: float) -> bool:
    """Await `step` for at most `seconds`; False (logged, with the pending tasks'
    stacks) if it overran and was cancelled or if it raised."""
    began = asyncio.get_running_loop().time()
    try:
        async with asyncio.timeout(seconds):
            await step
        log.info("shutdown: %s took %.2f s", what, asyncio.get_running_loop().time() - began)
    except TimeoutError:
        log.error("shutdown: %s did not finish within %g s; cancelled\n%s", what, seconds, task_stacks())
        return False
    except Exception:
        log.exception("shutdown: %s failed", what)
        return False
    return True


def task_stacks(limit: int = 12) -> str:
    """Where every other running task is suspended (for diagnosing a stuck stop)."""
    out = io.StringIO()
    current = asyncio.current_task()
    for task in asyncio.all_tasks():
        if task is current or task.done():
            continue
        out.write(f"--- task {task.get_name()}\n")
        task.print_stack(limit=limit, file=out)
    return out.getvalue()
