"""The SQLite write gate: one writer at a time, in arrival order, except that a priority writer
(the outbox sender) goes before the ordinary ones waiting; a writer cancelled while waiting,
or just as the gate was handed to it, never leaves the gate stuck."""

from __future__ import annotations

import asyncio

from storage.db import WriteGate


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_without_serializing_writers_do_not_wait() -> None:
    gate = WriteGate(serialize=False)
    async with gate(), gate(), gate(priority=True):
        pass


async def test_writers_take_turns_in_arrival_order_and_priority_goes_first() -> None:
    gate = WriteGate(serialize=True)
    order: list[str] = []
    release = asyncio.Event()

    async def writer(name: str, priority: bool = False) -> None:
        async with gate(priority=priority):
            order.append(name)
            if name == "holder":
                await release.wait()

    holder = asyncio.create_task(writer("holder"))
    await settle()
    waiting = [asyncio.create_task(writer(f"update-{n}")) for n in range(3)]
    await settle()
    sender = asyncio.create_task(writer("sender", priority=True))
    await settle()
    assert order == ["holder"]  # everyone else waits while the gate is held
    release.set()
    await asyncio.gather(holder, sender, *waiting)
    assert order == ["holder", "sender", "update-0", "update-1", "update-2"]


async def test_a_writer_cancelled_while_waiting_does_not_hold_up_the_others() -> None:
    gate = WriteGate(serialize=True)
    order: list[str] = []
    release = asyncio.Event()

    async def writer(name: str, priority: bool = False) -> None:
        async with gate(priority=priority):
            order.append(name)
            if name == "holder":
                await release.wait()

    holder = asyncio.create_task(writer("holder"))
    await settle()
    gone = asyncio.create_task(writer("gone", priority=True))
    after = asyncio.create_task(writer("after"))
    await settle()
    gone.cancel()
    await settle()
    release.set()
    await asyncio.gather(holder, after)
    assert gone.cancelled()
    assert order == ["holder", "after"]
    async with gate():  # and the gate is free again
        order.append("later")
    assert order[-1] == "later"


async def test_a_writer_cancelled_as_it_is_handed_the_gate_passes_it_on() -> None:
    gate = WriteGate(serialize=True)
    order: list[str] = []
    release = asyncio.Event()
    tasks: dict[str, asyncio.Task[None]] = {}

    async def holder() -> None:
        async with gate():
            order.append("holder")
            await release.wait()
        # Leaving the gate handed it to `handed`, which has not run yet: cancel it now.
        tasks["handed"].cancel()

    async def writer(name: str) -> None:
        async with gate():
            order.append(name)

    tasks["holder"] = asyncio.create_task(holder())
    await settle()
    tasks["handed"] = asyncio.create_task(writer("handed"))
    tasks["after"] = asyncio.create_task(writer("after"))
    await settle()
    release.set()
    await asyncio.gather(tasks["holder"], tasks["after"])
    assert tasks["handed"].cancelled()
    assert order == ["holder", "after"]
