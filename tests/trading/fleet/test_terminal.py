"""What runbot prints for the person at the terminal (trading/fleet/terminal.py)."""

from decimal import Decimal

from trading.core.bot_settings import DEFAULTS
from trading.engine.cleanup import CleanupResult
from trading.fleet.terminal import status_line, stop_line, strategy_lines

SNAPSHOT = {
    "bot": "eth",
    "state": "running",
    "state_reason": "",
    "symbol": "ETH-USD",
    "market": {"mid": "3000.05", "mark": "3000.10", "best_bid": "3000", "best_ask": "3000.1"},
    "quotes": {
        "bid": {"price": "2998.60", "qty": "0.01", "bps_from_mark": "-5.0", "in_band": True},
        "ask": {"price": "3001.60", "qty": "0.01", "bps_from_mark": "5.0", "in_band": True},
    },
    "tier": {"in_band_minutes": 12.5, "minutes_left": 20},
    "position": {"qty": "0.0200"},
}


def test_the_status_line_says_state_quotes_against_the_mark_band_minutes_and_position():
    line = status_line(SNAPSHOT)
    assert line == (
        "[eth] running  ETH-USD bid 2998.6 (-5.0 bps) / ask 3001.6 (+5.0 bps) vs mark 3000.1"
        "  in band 12.5 min this hour  position 0.02"
    )


def test_fills_and_the_account_are_shown_when_the_snapshot_has_them():
    line = status_line(
        {
            **SNAPSHOT,
            "fills": {"this_hour": 3, "today": 9},
            "account": {"equity": "1000.50", "available": "900"},
        }
    )
    assert "fills 3 this hour" in line and "account equity 1000.5, available 900" in line


def test_a_stopped_bot_says_why_and_has_no_quotes():
    line = status_line({**SNAPSHOT, "state": "killed", "state_reason": "kill switch", "quotes": {}})
    assert line.startswith("[eth] killed (kill switch)  ETH-USD bid none / ask none")


def test_the_stop_line_only_for_a_verified_stop():
    assert stop_line("eth", 2, CleanupResult(0)) == (
        "bot eth stopped: canceled 2 order(s), verified none left"
    )
    assert stop_line("eth", 2, CleanupResult(None)) is None  # "orders may remain" instead
    assert stop_line("eth", 0, None) is None


def test_the_banner_prints_the_strategy_in_force():
    values = {
        "symbol": "BTC-USD",
        "bid_notional": Decimal("30.0000"),
        "ask_notional": Decimal("40"),
        "max_notional": Decimal("10000.0000"),
        "uptime_band_bps": Decimal("10.0000"),
        "spread_bps": Decimal("5.0000"),
        "requote_threshold_bps": Decimal("3"),
        "quote_strategy": "spread",
        "max_spread_deviation_bps": Decimal("200"),
        "proximity_guard_bps": Decimal("1"),
    }
    text = strategy_lines(DEFAULTS.updated(values))
    assert text.splitlines() == [
        "  quoting BTC-USD: bid 30 USD, ask 40 USD, at most 10000 USD exposure; "
        "reward band 10 bps of the mark",
        "  strategy: spread — 5 bps each side of the mid, requote beyond 3 bps",
    ]
    band = strategy_lines(
        DEFAULTS.updated(
            {
                **values,
                "quote_strategy": "band",
                "band_margin_bps": Decimal("0"),
                "band_min_rest_seconds": Decimal("3.00"),
                "band_max_requests_per_minute": 300,
            }
        )
    )
    assert band.splitlines()[1] == (
        "  strategy: band — both sides inside 10 bps of the mark (margin auto, min rest 3s, "
        "at most 300 requests a minute)"
    )
