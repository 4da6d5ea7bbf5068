"""The money arithmetic: markout signs, maker/taker from the fee, an hour's cost."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.core.domain import Side
from trading.core.pnl import FillRecord, PnlHour, liquidity, markout_bps

D = Decimal


@pytest.mark.parametrize(
    ("side", "mark", "bps"),
    [
        (Side.BUY, D("66066"), D("10.00")),  # bought, the mark rose: good for us
        (Side.BUY, D("65934"), D("-10.00")),
        (Side.SELL, D("65934"), D("10.00")),  # sold, the mark fell: good for us
        (Side.SELL, D("66066"), D("-10.00")),
    ],
)
def test_markout_is_positive_when_the_mark_moves_our_way(side, mark, bps):
    assert markout_bps(side, D("66000"), mark) == bps


@pytest.mark.parametrize(
    ("fee", "kind"),
    [(D("0.66"), "maker"), (D("2.64"), "taker"), (D("-0.165"), "maker"), (D("1.7"), "taker")],
)
def test_liquidity_from_the_fee_rate(fee, kind):
    assert liquidity(fee, D("6600")) == kind  # 1 bp of 6600 is 0.66, 4 bps 2.64
    assert liquidity(D("1"), D("0")) == ""


def fill(fee: str, pnl: str, kind: str = "maker") -> FillRecord:
    return FillRecord(1, 0.0, "BTC-USD", Side.BUY, D("66000"), D("0.001"), D(fee), kind, D(pnl))


def test_an_hours_cost_is_fees_less_realised_and_unrealised_pnl():
    hour = PnlHour(0, "BTC-USD")
    hour.add_fill(fill("0.0066", "0"))
    hour.add_fill(fill("0.0264", "-0.05", "taker"))
    hour.observe_upnl(D("0.10"))
    hour.observe_upnl(D("-0.02"))
    assert (hour.fills, hour.maker_fills, hour.taker_fills) == (2, 1, 1)
    assert hour.fees == D("0.0330") and hour.realized_pnl == D("-0.05")
    assert hour.upnl_change == D("-0.12")
    assert hour.cost == D("0.0330") + D("0.05") + D("0.12")
    assert hour.cost_per_in_band_hour(1800) == (hour.cost * 2).quantize(D("0.0001"))
    assert hour.cost_per_in_band_hour(59) is None  # too little time in band to scale up


def trade(side: Side, price: str, qty: str, pnl: str, fee: str = "0") -> FillRecord:
    return FillRecord(1, 0.0, "BTC-USD", side, D(price), D(qty), D(fee), "maker", D(pnl))


@pytest.mark.parametrize(
    ("fills", "realised", "cost"),
    [
        # Long 0.001 from 66000, sold at 66100: the sell realised +0.1, so the hour gained.
        (
            [trade(Side.BUY, "66000", "0.001", "0"), trade(Side.SELL, "66100", "0.001", "0.1")],
            D("0.1"),
            D("-0.1"),
        ),
        # ... sold at 65900 instead: a loss of 0.1 on the sell is a cost of 0.1.
        (
            [trade(Side.BUY, "66000", "0.001", "0"), trade(Side.SELL, "65900", "0.001", "-0.1")],
            D("-0.1"),
            D("0.1"),
        ),
        # Short from 66000 bought back at 65900: the buy realised +0.1.
        (
            [trade(Side.SELL, "66000", "0.001", "0"), trade(Side.BUY, "65900", "0.001", "0.1")],
            D("0.1"),
            D("-0.1"),
        ),
        # Both ways at once, with fees (a rebate is a negative fee): every sign as reported.
        (
            [
                trade(Side.SELL, "66000", "0.002", "0.05", "0.0132"),
                trade(Side.BUY, "66000", "0.001", "-0.02", "-0.0066"),
            ],
            D("0.03"),
            D("0.0066") - D("0.03"),
        ),
    ],
)
def test_realised_pnl_is_the_exchanges_figure_whichever_side_filled(fills, realised, cost):
    """The exchange reports each trade's realised PnL signed (positive: we gained) for buys
    and sells alike; the hour adds them as reported, never per side."""
    hour = PnlHour(0, "BTC-USD")
    for one in fills:
        hour.add_fill(one)
    assert hour.realized_pnl == realised
    assert hour.cost == cost
    assert hour.volume == sum((f.price * f.qty for f in fills), D("0"))
    assert hour.fills == len(fills) == hour.maker_fills and hour.taker_fills == 0


def test_the_unrealised_change_runs_from_the_first_look_to_the_last():
    hour = PnlHour(0)
    assert hour.upnl_change == 0 and hour.cost == 0
    hour.observe_upnl(D("-0.30"))
    assert hour.upnl_change == 0
    for upnl in ("0.10", "0.25", "0.05"):
        hour.observe_upnl(D(upnl))
    assert (hour.upnl_start, hour.upnl_end, hour.upnl_change) == (D("-0.30"), D("0.05"), D("0.35"))
    assert hour.cost == D("-0.35")  # the position gained 0.35 this hour: negative cost


@pytest.mark.parametrize(
    ("seconds", "per_hour"),
    [(60.0, D("-6.0000")), (59.999, None), (3600.0, D("-0.1000")), (1234.5678, D("-0.2916"))],
)
def test_cost_per_in_band_hour_scales_the_hour_to_the_in_band_time(seconds, per_hour):
    hour = PnlHour(0)
    hour.add_fill(trade(Side.SELL, "66000", "0.001", "0.1"))
    assert hour.cost_per_in_band_hour(seconds) == per_hour


@pytest.mark.parametrize(
    ("fee", "value", "kind"),
    [
        (D("1.65"), D("6600"), "maker"),  # 2.5 bp: the midpoint of 1 and 4 is still maker
        (D("1.6501"), D("6600"), "taker"),
        (D("0"), D("6600"), "maker"),
        (D("0.1"), D("-1"), ""),
    ],
)
def test_liquidity_splits_at_the_midpoint_of_the_two_rates(fee, value, kind):
    assert liquidity(fee, value) == kind
    rates = {"maker_rate": D("0.0001"), "taker_rate": D("0.0002")}  # midpoint 1.5 bp
    assert liquidity(D("1.32"), D("6600"), **rates) == "taker"  # 2 bp
    assert liquidity(D("1.32"), D("6600")) == "maker"
    assert liquidity(D("0.66"), D("6600"), **rates) == "maker"


def test_markout_is_rounded_to_a_hundredth_of_a_bp():
    assert markout_bps(Side.SELL, D("66000"), D("65999.99")) == D("0.00")
    assert markout_bps(Side.SELL, D("66000"), D("65999.9")) == D("0.02")
    assert markout_bps(Side.BUY, D("3"), D("3.0001")) == D("0.33")
