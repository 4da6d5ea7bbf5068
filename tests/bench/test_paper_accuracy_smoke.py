"""The paper accuracy benchmark end to end, very short: the three views of one run are there
and consistent with each other (never how close: that is the benchmark's to measure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bench.paper_accuracy import measure

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_short_run_reports_the_bot_the_paper_exchange_and_the_simulator():
    result = await measure(6.0, seed=3, spread_bps=Decimal("3"))
    assert result["orders"] >= 2 and result["rejected_when_mirrored"] <= result["orders"]
    for key in ("in_band_seconds", "fills"):
        assert set(result[key]) == {"bot", "paper_exchange", "simulator"}, key
        assert all(value is not None and value >= 0 for value in result[key].values()), key
    assert 0 < result["in_band_seconds"]["paper_exchange"] <= 6.0 + 1.0
    assert result["filled_in_both"] <= min(
        result["fills"]["paper_exchange"], result["fills"]["simulator"]
    )
