"""The intake benchmark's books, on a short run: what it reports as "no loss" must be true of
the database and the channel, so the figure quoted for #4 rests on checked accounting. No
timing is asserted (benchmarks report ratios, tests assert behaviour)."""

from __future__ import annotations

import os

import pytest

from bench.intake import percentile, run


def test_percentile_picks_the_value_at_the_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 51.0
    assert percentile(values, 0.99) == 100.0
    assert percentile([3.0], 0.99) == 3.0


POSTGRES = os.environ.get("STEWARD_TEST_POSTGRES_URL")


@pytest.mark.slow
@pytest.mark.parametrize(
    "url",
    [
        None,
        pytest.param(
            POSTGRES, marks=pytest.mark.skipif(POSTGRES is None, reason="STEWARD_TEST_POSTGRES_URL not set")
        ),
    ],
    ids=["sqlite", "postgres"],
)
def test_a_short_run_balances_its_books(url: str | None) -> None:
    report = run(url, 1, rate=40.0, seconds=1.5)
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
    assert report["outcomes"] == {"handled": 60}  # every update handled at once, in its turn
    statements = report["statements_per_message"]
    assert isinstance(statements, float)
    assert statements > 1  # the statements are counted
