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
