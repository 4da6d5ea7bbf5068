"""PURE: the reference guard. A faster venue's price (Binance, Hyperliquid) moves before
StandX's; carried through the basis between the two, it says where StandX's mid is about to
go, and so which of our sides the market is about to run through.

- The basis is ln(reference / StandX mid) in bps, a slow time-weighted EWMA (half-life
  `basis_half_life_s`) of the samples that are not moves: a divergence past the trigger is
  a move StandX has not made yet, not basis.
- The divergence is the live log ratio minus the basis: the move StandX has not made yet
  (positive: StandX is about to rise). Below `trigger_bps` it is noise. (The trigger is not
  scaled by the divergence's spread: with a lead of seconds, that spread IS the signal, ~9 bps
  on the harsh market, and a z-score on it would blind the guard to ordinary moves.)
- A divergence past the trigger starts an episode. While it lasts, the threatened side (the
  bid when StandX is about to fall, the ask when it is about to rise) gets a `SideLimit`: the
  touch StandX is predicted to reach, backed off by the urgent distance (`urgent_limit`: an
  order past it would be crossed, so it goes at once) and by `margin_bps` more (`limit`: where
  the side's window ends; past it an order is requoted like any order that left its window,
  which respects the minimum rest).
- The episode ends when the move is priced in (StandX moved, the divergence is back under the
  trigger) or did not come within `max_lead_s`, the longest lag the guard fears: a lean never
  lasts longer than the move it fears. A divergence that outlived its episode is taken as not
  followed and muted until it goes away (the basis learns it meanwhile); only a further move
  past the trigger counts again.
- No reference, a stale one (older than `stale_after_s`) or a basis still being learned
  (`warmup_s`): the guard is off and says why. It is never a reason to stop quoting.

Times are the caller's clock (the same for both venues: local arrival times), passed in.
Offsets are signed bps of the mark, as in trading/core/band.py (a bid below the mark is
negative); side_window.py applies a SideLimit to a side's window.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from decimal import Decimal

from trading.core.domain import BPS, BookTop, Side

# The p90 of the measured lead of Hyperliquid over StandX (median 2.6 s, p25 1.8 s: a
# log-normal with sigma 0.55) is 5.2 s: a move that has not come by then is not coming.
DEFAULT_MAX_LEAD_S = 5.0


class GuardStatus(enum.StrEnum):
    NO_REFERENCE = "no reference"  # no reference price (yet), or no StandX mid
    STALE = "stale"  # the reference (or StandX's mid) is older than stale_after_s
    LEARNING = "learning"  # the basis has not been measured for warmup_s yet
    WATCHING = "watching"  # on, nothing to fear
    LEANING = "leaning"  # on, one side held back from a move StandX has not made yet

    @property
    def on(self) -> bool:
        return self in (GuardStatus.WATCHING, GuardStatus.LEANING)


@dataclass(frozen=True)
class GuardSettings:
    stale_after_s: float = 3.0  # REFERENCE_STALE_SECONDS: an older price turns the guard off
    basis_half_life_s: float = 300.0  # slow: the basis is what the venues agree on over minutes
    warmup_s: float = 30.0  # the basis is measured this long before the guard acts
    trigger_bps: float = 2.0  # a smaller divergence is noise (bookTicker flicker, spreads)
    max_lead_s: float = DEFAULT_MAX_LEAD_S  # a lean lasts at most this long
    margin_bps: Decimal = Decimal("1.5")  # the window ends this far behind the urgent limit
    # The share of the divergence the guard expects StandX to make: 1 guards against the whole
    # move; the measured coverage (0.61) against the expected one (fewer step-backs out of
    # band, more fills on the moves StandX makes in full). The benchmark decides.
    move_share: float = 1.0

    def __post_init__(self) -> None:
        for name in ("stale_after_s", "basis_half_life_s", "max_lead_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0")
        for name in ("warmup_s", "trigger_bps"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.margin_bps < 0:
            raise ValueError("margin_bps must be >= 0")
        if not 0 < self.move_share <= 1:
            raise ValueError("move_share must be in (0, 1]")


@dataclass(frozen=True)
class SideLimit:
    """How close to the touch one side may be, in signed bps of the mark (bid: offset <=
    limit; ask: offset >= limit)."""

    side: Side
    limit: Decimal  # the window's touch end and the target's bound
    urgent_limit: Decimal  # an order past it is crossed when StandX follows: cancel at once
    predicted_touch: Decimal  # where the opposite touch is about to be


@dataclass(frozen=True)
class GuardAdvice:
    status: GuardStatus
    reason: str
    basis_bps: float | None = None
    divergence_bps: float | None = None  # the move StandX has not made, bps of its mid
    move_bps: float | None = None  # the part of it the guard acts on (0: nothing to fear)
    reference_age_s: float | None = None
    lean_until: float | None = None  # the episode's end at the latest
    bid: SideLimit | None = None
    ask: SideLimit | None = None

    def side(self, side: Side) -> SideLimit | None:
        return self.bid if side is Side.BUY else self.ask


@dataclass
class _Episode:
    sign: int  # +1: StandX is about to rise (the ask is threatened), -1: to fall
    started_at: float


@dataclass
class ReferenceGuard:
    settings: GuardSettings = field(default_factory=GuardSettings)
    _ref: Decimal | None = None
    _ref_at: float | None = None
    _mid: Decimal | None = None
    _mid_at: float | None = None
    _basis: float | None = None
    _basis_since: float | None = None
    _basis_at: float | None = None
    _samples: int = 0
    _episode: _Episode | None = None
    _muted: float | None = None  # a divergence that outlived its episode

    # ---- what the engine feeds -------------------------------------------------------------
    def on_reference(self, received_at: float, price: Decimal) -> None:
        """A reference price (mid of the reference venue) and the local time it arrived."""
        if price <= 0 or (self._ref_at is not None and received_at < self._ref_at):
            return
        self._ref, self._ref_at = price, received_at
        self._learn(received_at)

    def on_standx(self, received_at: float, mid: Decimal) -> None:
        """StandX's mid (the book's) and the local time it arrived."""
        if mid <= 0 or (self._mid_at is not None and received_at < self._mid_at):
            return
        self._mid, self._mid_at = mid, received_at
        self._learn(received_at)

    def _fresh(self, now: float) -> bool:
        limit = self.settings.stale_after_s
        return (
            self._ref_at is not None
            and self._mid_at is not None
            and now - self._ref_at <= limit
            and now - self._mid_at <= limit
        )

    def _log_ratio(self) -> float:
        assert self._ref is not None and self._mid is not None
        return math.log(self._ref / self._mid) * float(BPS)

    def _learn(self, now: float) -> None:
        if not self._fresh(now):
            return
        sample = self._log_ratio()
        if self._basis is None or self._basis_at is None or now < self._basis_at:
            self._basis, self._basis_at = sample, now
            self._basis_since = now if self._basis_since is None else self._basis_since
            self._samples = 1
            return
        deviation = sample - self._basis
        if self._is_move(deviation):
            return  # a move StandX has not made yet is not basis (nor basis noise)
        self._samples += 1
        elapsed = now - self._basis_at
        # Time-weighted, and a plain mean while there are few samples.
        weight = max(1 - 0.5 ** (elapsed / self.settings.basis_half_life_s), 1 / self._samples)
        self._basis += weight * deviation
        if self._muted is not None:
            self._muted -= weight * deviation  # the basis took that much of it over
        self._basis_at = now

    def _is_move(self, divergence: float) -> bool:
        """Past the trigger, and not the divergence of a move that did not come (that one is
        learned: the basis absorbs what StandX does not follow)."""
        threshold = self.settings.trigger_bps
        if abs(divergence) < threshold:
            return False
        muted = self._muted
        return not (
            muted is not None
            and divergence * muted > 0
            and abs(divergence) - abs(muted) < threshold
        )

    @property
    def basis_bps(self) -> float | None:
        return self._basis

    # ---- what the strategy asks each pass ----------------------------------------------------
    def advise(self, now: float, mark: Decimal, top: BookTop, urgent_bps: Decimal) -> GuardAdvice:
        """The guard's advice for this pass (it also moves episodes on: call it once a pass).
        `top` is StandX's book, `urgent_bps` the strategy's urgent distance from the touch."""
        off = self._off(now)
        if off is not None:
            self._episode = None
            return off
        assert self._ref_at is not None and self._basis is not None
        divergence = self._log_ratio() - self._basis
        move = self._move(now, divergence, self.settings.trigger_bps)
        side = None if move == 0 else (Side.SELL if move > 0 else Side.BUY)
        limit = None
        if side is not None:
            expected = move * self.settings.move_share
            limit = _side_limit(side, _bps(expected), mark, top, urgent_bps, self.settings)
        until = (
            None if self._episode is None else self._episode.started_at + self.settings.max_lead_s
        )
        return GuardAdvice(
            GuardStatus.WATCHING if limit is None else GuardStatus.LEANING,
            "nothing to fear"
            if limit is None
            else f"StandX is about to {'rise' if move > 0 else 'fall'} {abs(move):.1f} bps",
            basis_bps=round(self._basis, 3),
            divergence_bps=round(divergence, 3),
            move_bps=round(move, 3),
            reference_age_s=round(now - self._ref_at, 3),
            lean_until=until if limit is not None else None,
            bid=limit if side is Side.BUY else None,
            ask=limit if side is Side.SELL else None,
        )

    def _off(self, now: float) -> GuardAdvice | None:
        if self._ref_at is None or self._mid_at is None or self._basis is None:
            return GuardAdvice(GuardStatus.NO_REFERENCE, "no reference price yet")
        age = round(now - self._ref_at, 3)
        if not self._fresh(now):
            stale = "reference" if now - self._ref_at > self.settings.stale_after_s else "StandX"
            return GuardAdvice(
                GuardStatus.STALE,
                f"{stale} price older than {self.settings.stale_after_s:g} s",
                reference_age_s=age,
            )
        assert self._basis_since is not None
        if now - self._basis_since < self.settings.warmup_s:
            return GuardAdvice(
                GuardStatus.LEARNING,
                "measuring the basis",
                basis_bps=round(self._basis, 3),
                reference_age_s=age,
            )
        return None

    def _move(self, now: float, divergence: float, threshold: float) -> float:
        """The divergence the guard acts on (0: none), moving episodes and the mute on."""
        effective = divergence
        if self._muted is not None:
            same_way = divergence * self._muted > 0
            if not same_way or abs(divergence) < threshold:
                self._muted = None  # the unfollowed move went away
            elif abs(divergence) - abs(self._muted) >= threshold:
                effective = divergence - self._muted  # a new move on top of it
            else:
                effective = 0.0
        if abs(effective) < threshold:
            self._episode = None  # priced in, or it came back
            return 0.0
        sign = 1 if effective > 0 else -1
        if self._episode is None or self._episode.sign != sign:
            self._episode = _Episode(sign, now)
        elif now - self._episode.started_at > self.settings.max_lead_s:
            self._episode = None  # it did not come: not a move StandX follows
            self._muted = divergence
            return 0.0
        return effective


def _side_limit(
    side: Side,
    move_bps: Decimal,
    mark: Decimal,
    top: BookTop,
    urgent_bps: Decimal,
    settings: GuardSettings,
) -> SideLimit:
    """The threatened side's limit: the opposite touch moved by the predicted move, backed
    off by the urgent distance and the margin (away from the touch)."""
    sign = -1 if side is Side.BUY else 1  # away from the touch
    opposite = top.best_ask if side is Side.BUY else top.best_bid
    touch = _bps((opposite - mark) / mark * BPS + move_bps)
    urgent = touch + sign * urgent_bps
    return SideLimit(side, urgent + sign * settings.margin_bps, urgent, touch)


def _bps(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.0001"))
