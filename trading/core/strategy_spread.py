"""PURE: the ``spread`` strategy (the original README's): each side SPREAD_BPS from the book
mid, requoted on drift (REQUOTE_THRESHOLD_BPS), staleness (STALE_ORDER_SECONDS) and touch
proximity, and (band awareness) when an order has drifted out of the reward band while the
new quote would be inside it. With a position and INVENTORY_SKEW_BPS the side that adds to
it is moved away from the mark, never out of the band's usable edge
(trading/core/inventory.py)."""

from __future__ import annotations

from decimal import Decimal

from trading.core.band import MIN_MARGIN_BPS
from trading.core.bot_settings import BotSettings
from trading.core.domain import BPS, BookTop, Side, plain
from trading.core.inventory import skew_offset
from trading.core.strategy import Measured, PassView, Strategy, StrategyPlan, reward_windows


class SpreadStrategy(Strategy):
    name = "spread"

    def plan(self, settings: BotSettings, seen: PassView) -> StrategyPlan:
        return StrategyPlan(_anchors(settings, seen), reward_windows(seen.mark, settings))

    def earn_problem(
        self, settings: BotSettings, top: BookTop | None, measured: Measured
    ) -> str | None:
        spread, band = settings.spread_bps, settings.uptime_band_bps
        if spread < band:
            return None
        return (
            f"SPREAD_BPS {plain(spread)} is not inside UPTIME_BAND_BPS {plain(band)}: the "
            "quotes sit outside the reward band and earn nothing (switch to the band "
            "strategy, or set SPREAD_BPS below the band)"
        )

    def describe(self, settings: BotSettings) -> str:
        return (
            f"{plain(settings.spread_bps)} bps each side of the mid, requote beyond "
            f"{plain(settings.requote_threshold_bps)} bps"
        )


def _anchors(settings: BotSettings, seen: PassView) -> tuple[Decimal, Decimal]:
    """mid ± SPREAD_BPS, the adding side moved by the skew (measured from the mark, whose
    band pays): a side inside the band stays inside its usable edge."""
    top, skew = seen.top, seen.skew
    spread = settings.spread_bps / BPS
    raw = {Side.BUY: top.mid * (1 - spread), Side.SELL: top.mid * (1 + spread)}
    side = skew.side
    if side is None:
        return raw[Side.BUY], raw[Side.SELL]
    mark = seen.mark
    reference = mark if mark is not None and mark > 0 else top.mid
    edge = settings.uptime_band_bps - Decimal(str(MIN_MARGIN_BPS))
    offset = (raw[side] - reference) / reference * BPS
    raw[side] = reference * (1 + skew_offset(side, offset, skew.shift_bps, edge) / BPS)
    return raw[Side.BUY], raw[Side.SELL]
