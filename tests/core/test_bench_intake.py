"""The intake benchmark's books, on a short run: what it reports as "no loss" must be true of
the database and the channel, so the figure quoted for #4 rests on checked accounting. No
timing is asserted (benchmarks report ratios, tests assert behaviour)."""

from __future__ import annotations

from bench.intake import percentile, run


def test_percentile_picks_the_value_at_the_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 51.0
    assert percentile(values, 0.99) == 100.0
    assert percentile([3.0], 0.99) == 3.0


async def test_a_short_run_balances_its_books() -> None:
    report = await run(rate=40.0, seconds=1.5)
    assert report["messages"] == 60
    assert report["handler_failures"] == 0
    assert report["logged"] == 60
    assert report["lost"] == 0
    tickets, rows = report["tickets"], report["outbox_rows"]
    assert isinstance(tickets, int)
    assert isinstance(rows, int)
    assert tickets > 0  # the corpus holds repairs and complaints: tickets were opened
    assert rows >= tickets  # each ticket is acknowledged at least
    assert report["outbox_unsent"] == 0
    assert report["delivered"] == rows
    assert report["outbox_statuses"] == {"sent": rows}
