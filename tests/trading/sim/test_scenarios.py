"""The named market scenarios have the volatility and mark lag they promise, MEASURED from a
seeded run of the price process (Market.step only: no server, no clock), and runsim's
--scenario presets them under the flags given explicitly."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from bench import requote_modes
from trading.management.commands.runsim import Command, server_options
from trading.sim.config import SimConfig
from trading.sim.market import Market
from trading.sim.scenarios import (
    SCENARIOS,
    mark_lag_seconds,
    mark_path,
    scenario,
    volatility_bps_per_sqrt_s,
)

# Target volatility per sqrt(s) (10-second horizon) and mark lag in seconds, with the
# tolerance one seeded two-hour path allows (jumps make the estimate move a few percent).
TARGETS = {
    "calm": ((0.85, 1.15), (0.2, 0.4)),
    "volatile": ((3.3, 4.3), (0.2, 0.4)),
    "harsh": ((5.0, 6.0), (0.8, 1.2)),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_measured_mark_volatility_and_lag_match_the_scenario(name):
    (low, high), (lag_low, lag_high) = TARGETS[name]
    config = SimConfig(seed=7, **scenario(name).market)
    vol = volatility_bps_per_sqrt_s(mark_path(config, 7200), config.step_interval)
    assert low <= vol <= high, f"{name}: measured {vol:.2f} bps/sqrt(s)"
    assert lag_low <= mark_lag_seconds(config) <= lag_high
    assert scenario(name).ack_latency_ms == 50.0


def mean_mark_mid_gap_bps(name: str, steps: int = 6000) -> float:
    market = Market(SimConfig(seed=3, symbols=("BTC-USD",), **scenario(name).market))
    total = 0.0
    for _ in range(steps):
        market.step()
        m = market.get("BTC-USD")
        total += abs(float(m.mark - m.mid)) / float(m.mid) * 1e4
    return total / steps


def test_harsh_mark_trails_the_mid_further_than_volatile():
    """The point of harsh: the mark wanders away from the mid a bot prices around."""
    volatile, harsh = mean_mark_mid_gap_bps("volatile"), mean_mark_mid_gap_bps("harsh")
    assert harsh > 2 * volatile, (volatile, harsh)


def test_volatile_is_the_requote_benchmarks_market():
    flags = dict(zip(requote_modes.SIM_ARGS[::2], requote_modes.SIM_ARGS[1::2], strict=True))
    market = scenario("volatile").market
    assert float(flags["--volatility-bps"]) == market["volatility_bps"]
    assert float(flags["--step-interval"]) == market["step_interval"]
    assert float(flags["--ack-latency-ms"]) == scenario("volatile").ack_latency_ms
    defaults = SimConfig()
    assert (market["jump_probability"], market["jump_bps"], market["mark_lag"]) == (
        defaults.jump_probability,
        defaults.jump_bps,
        defaults.mark_lag,
    )


def _opts(*argv: str) -> dict:
    return vars(Command().create_parser("manage.py", "runsim").parse_args(list(argv)))


def test_runsim_scenario_presets_the_market_and_flags_win():
    opts = _opts("--scenario", "harsh", "--volatility-bps", "2.5", "--ip-requests-per-s", "0")
    options = server_options(opts)
    assert options["volatility_bps"] == 2.5  # the explicit flag
    assert options["mark_lag"] == scenario("harsh").market["mark_lag"]
    assert options["ip_requests_per_s"] == 0
    assert Command()._faults(opts).ack_latency_ms == 50.0
    assert (
        Command()._faults(_opts("--scenario", "calm", "--ack-latency-ms", "5")).ack_latency_ms
        == 5.0
    )
    plain = _opts()
    assert "volatility_bps" not in server_options(plain)  # SimConfig's default
    assert Command()._faults(plain).ack_latency_ms == 20.0


def test_runsim_rejects_unknown_scenarios_and_bad_market_values():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("runsim", "--scenario", "stormy")
    with pytest.raises(CommandError, match="mark_lag"):
        call_command("runsim", "--mark-lag", "0")
    with pytest.raises(CommandError, match="jump_probability"):
        call_command("runsim", "--jump-probability", "2")
