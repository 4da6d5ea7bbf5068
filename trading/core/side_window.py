"""PURE: what the reference guard and the volatility pause do to one side's plan.

A side's plan is a `Window` in signed bps of the mark (a bid below the mark is negative), as
trading/core/band.py plans it: a `target` where a new order goes and a keep window
[`low`, `high`] an order may drift in before it is requoted. The window's far end (the bid's
`low`, the ask's `high`) is the band's edge less the exit margin; its near end is the touch
limit.

- `lean`: the guard's `SideLimit` bounds the near end and the target. When the limit still
  leaves room inside the window, the side leans away inside the band (the target goes halfway
  between the far end and the limit). When only the margin is missing (the far end is still
  behind the urgent limit), the side sits at the far end, in band. When even the far end
  would be within the urgent distance of the predicted touch, i.e. crossed, the side steps
  back to the limit, out of band for the moment, and says so (`in_band` False): being in band
  is worth nothing when the order is about to be filled.
- `widen`: the pause's "widen" action, the target at the band's far end and the window its
  outer half.
- `threatened`: a live order past the guard's urgent limit, which the strategy cancels at once
  (an urgent trigger: the minimum rest does not hold it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trading.core.domain import Side
from trading.core.reference_guard import SideLimit

WIDEN_KEEP_SHARE = Decimal("0.5")  # widened: kept while in the outer half of its side
QUANTUM = Decimal("0.0001")  # offsets in bps, as band.py rounds them


@dataclass(frozen=True)
class Window:
    target: Decimal
    low: Decimal
    high: Decimal
    in_band: bool = True  # False: band.py found no post-only place in band (the target
    # may then lie outside the keep window, behind the touch limit)


def _far_near(side: Side, window: Window) -> tuple[Decimal, Decimal]:
    return (window.low, window.high) if side is Side.BUY else (window.high, window.low)


def _window(side: Side, target: Decimal, far: Decimal, near: Decimal, in_band: bool) -> Window:
    low, high = (far, near) if side is Side.BUY else (near, far)
    return Window(target, low, high, in_band)


def _away(side: Side) -> int:
    """The sign of "away from the touch" in signed bps of the mark."""
    return -1 if side is Side.BUY else 1


def bound(side: Side, offset: Decimal, limit: Decimal) -> Decimal:
    """`offset` held no closer to the touch than `limit`."""
    return min(offset, limit) if side is Side.BUY else max(offset, limit)


def lean(side: Side, window: Window, limit: SideLimit | None) -> Window:
    if limit is None:
        return window
    if limit.side is not side:
        raise ValueError(f"a {limit.side} limit applied to the {side} side")
    far, near = _far_near(side, window)
    edge = limit.limit
    if bound(side, near, edge) == near and bound(side, window.target, edge) == window.target:
        return window  # the window already ends before the limit
    if bound(side, far, edge) == far:
        # Room inside the band: lean halfway between the far end and the limit.
        target = bound(side, window.target, ((far + edge) / 2).quantize(QUANTUM))
        return _window(side, target, far, edge, window.in_band)
    if (limit.urgent_limit - far) * _away(side) < 0:
        # The far end is still behind the urgent limit: hold it there, in band.
        return _window(side, far, far, limit.urgent_limit, window.in_band)
    # The predicted touch is past the whole window: step back to the limit, with the
    # window's width behind it (so the order is not requoted at every small change).
    return _window(side, edge, edge + (far - near), edge, False)


def widen(side: Side, window: Window) -> Window:
    far, near = _far_near(side, window)
    inner = (far + (near - far) * WIDEN_KEEP_SHARE).quantize(QUANTUM)
    return _window(side, far, far, inner, window.in_band)


def threatened(side: Side, offset: Decimal, limit: SideLimit | None) -> bool:
    """A live order at `offset` is past the guard's urgent limit (toward the touch)."""
    if limit is None:
        return False
    return offset > limit.urgent_limit if side is Side.BUY else offset < limit.urgent_limit
