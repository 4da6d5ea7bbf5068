"""The reward benchmark end to end, very short: one scenario, every row's bot against one
`runsim`. Asserts what the run must show, never how well or how fast: every row is there
with every column, the figures are consistent with each other (in band is a part of
two-sided, a counted size only when in band), every bot ran to the end, and a row the
model cannot express yet is skipped with a note rather than dropped."""

from __future__ import annotations

import json

from bench import reward
from trading.models import BotConfig

COLUMNS = (
    "in_band_pct",
    "two_sided_pct",
    "fills_per_hour",
    "requests_per_minute",
    "cancels_under_3s_pct",
    "median_order_life_s",
    "counted_usd_mean",
)


def test_quick_reward_run_has_every_row_and_column(tmp_path):
    output = tmp_path / "reward.json"
    reward.main(["--seconds", "8", "--scenarios", "calm", "--output", str(output)])
    result = json.loads(output.read_text())
    calm = result["scenarios"]["calm"]
    assert set(result["scenarios"]) == {"calm"}
    assert 0.5 < calm["market"]["mark_volatility_bps_per_sqrt_s"] < 2.0
    assert set(calm["rows"]) == set(reward.ROWS)
    has_strategy = any(f.name == "quote_strategy" for f in BotConfig._meta.get_fields())
    for name, row in calm["rows"].items():
        if name == "band" and not has_strategy:
            assert "quote_strategy" in row["skipped"]
            continue
        assert "skipped" not in row, name
        assert all(key in row for key in COLUMNS), name
        assert row["engine_state"] == "running" and row["engine_error"] is None, name
        assert 0 < row["observed_seconds"] <= 8 + 5, name
        assert 0 <= row["in_band_pct"] <= row["two_sided_pct"] <= 100, name
        assert row["fills_per_hour"] >= 0 and row["requests_per_minute"] > 0, name
        assert row["requests_by_path"].get("/api/new_order", 0) >= 2, name
        assert row["cancels_under_3s_pct"] is None or 0 <= row["cancels_under_3s_pct"] <= 100
        assert row["median_order_life_s"] is None or row["median_order_life_s"] > 0, name
        assert (float(row["counted_usd_mean"]) > 0) == (row["in_band_pct"] > 0), name
        assert set(row["meets"]) == {"in_band", "two_sided", "requests"}, name
        assert_money_is_the_ledger(name, row)


def assert_money_is_the_ledger(name: str, row: dict) -> None:
    """Issue 16's columns agree with each other and with the account's wallet: net is
    realised + unrealised - fees, the balance moved by realised less fees, and a row that
    flattens on stop ends flat."""
    assert row["fees_usd"] >= 0 and row["trades"] >= 0, name
    net = row["realised_usd"] + row["unrealised_usd"] - row["fees_usd"]
    assert abs(row["net_usd"] - net) < 1e-5, name
    assert abs(row["balance_change_usd"] - (row["realised_usd"] - row["fees_usd"])) < 1e-5, name
    if name.endswith("-flatten"):
        assert row["position_end"] == "0" and row["unrealised_usd"] == 0, name
    if row["trades"] == 0:
        assert row["fees_usd"] == 0 and row["position_end"] == "0", name


def test_quick_reward_run_on_a_recording_has_every_row(tmp_path):
    """`--market FILE` runs the same rows on a replayed recording (the repository's), its
    market measured from the file, with no in-band target (none is set for a real market)."""
    output, recording = tmp_path / "reward.json", reward.ROOT / "bench" / "markets"
    recording = recording / "sim-volatile-2m.jsonl.gz"
    reward.main(["--seconds", "8", "--scenarios", "", "--market", str(recording),
                 "--output", str(output)])  # fmt: skip
    result = json.loads(output.read_text())
    assert result["scenarios"] == {} and set(result["recordings"]) == {recording.name}
    run = result["recordings"][recording.name]
    assert run["seconds"] == 8 and 115 < run["market"]["duration_s"] < 125
    assert 2.0 < run["market"]["mark_volatility_bps_per_sqrt_s"] < 6.0  # scenario volatile
    assert set(run["rows"]) == set(reward.ROWS)
    for name, row in run["rows"].items():
        assert row["engine_state"] == "running" and row["engine_error"] is None, name
        assert 0 < row["in_band_pct"] <= row["two_sided_pct"] <= 100, name
        assert row["meets"]["in_band"] is None, name
        assert_money_is_the_ledger(name, row)
