"""PURE: decide's vocabulary: why an order is placed or cancelled (typed triggers, never
reason strings), the actions themselves, and the window an order of the band strategy is
kept in. trading/core/decide.py produces them; the engine's quoter executes them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal

from trading.core.domain import Quote, Side, bps_between


class Trigger(enum.StrEnum):
    """Why an order is placed or cancelled."""

    NO_QUOTE = "no_quote"
    PROXIMITY = "proximity"
    EXPOSURE = "exposure"
    BAND = "band"
    CONFIG = "config"
    STALE = "stale"
    DRIFT = "drift"
    MISSING = "missing"  # a side with a desired quote and no order
    DUPLICATE = "duplicate"  # a second order on a side, nothing wrong with either
    REPLACED = "replaced"  # the old order once its replacement rests

    @property
    def urgent(self) -> bool:
        """The order itself may be filled any moment (or a fill would breach MAX_NOTIONAL)."""
        return self in (Trigger.PROXIMITY, Trigger.EXPOSURE)


class CancelHow(enum.StrEnum):
    OWN = "own"  # the order's own trigger
    FALLBACK = "fallback"  # make_before_break could not overlap: cancel first, place next
    SWEEP = "sweep"  # cancel_first: swept with the others for the first trigger
    ROOM = "room"  # the replacement has no room beside it (MAX_NOTIONAL): cancel, then place


@dataclass(frozen=True)
class BandWindow:
    """Where an order of one side may sit and be kept, in signed bps of the mark (a bid
    below the mark is negative): ``low <= offset <= high`` (``holds``)."""

    mark: Decimal
    low: Decimal
    high: Decimal

    def offset(self, price: Decimal) -> Decimal:
        return bps_between(price, self.mark)

    def holds(self, price: Decimal) -> bool:
        return self.low <= self.offset(price) <= self.high

    @classmethod
    def reward_band(cls, mark: Decimal, band_bps: Decimal) -> BandWindow:
        """The reward band itself (spread mode: requote what drifted out of it)."""
        return cls(mark, -band_bps, band_bps)


@dataclass(frozen=True)
class Place:
    quote: Quote
    trigger: Trigger
    replaces: str | None = None

    @property
    def side(self) -> Side:
        return self.quote.side

    @property
    def reason(self) -> str:
        return self.trigger.value

    @property
    def requote(self) -> bool:
        return self.replaces is not None


@dataclass(frozen=True)
class Cancel:
    cl_ord_id: str
    side: Side
    trigger: Trigger
    how: CancelHow = CancelHow.OWN
    # This cancel starts a requote (cancel-first lifecycles); derived, so not compared.
    requote: bool = field(default=False, compare=False)

    @property
    def urgent(self) -> bool:
        return self.trigger.urgent and self.how is not CancelHow.SWEEP

    @property
    def reason(self) -> str:
        """The audit log's words (unchanged since the reasons were strings)."""
        if self.how is CancelHow.FALLBACK:
            return f"cancel_first_fallback:{self.trigger.value}"
        if self.how is CancelHow.SWEEP:
            return f"cancel_all:{self.trigger.value}"
        if self.how is CancelHow.ROOM:
            return f"make_room:{self.trigger.value}"
        return self.trigger.value


Action = Place | Cancel
