"""PURE: the volatility pause. When the measured volatility (bps per sqrt(second): the mark's,
or the reference's, from a fast `MarketMeter`) goes past `pause_volatility_bps`, the bot widens
to the band's far edge or stops quoting (the `action`), and resumes by itself once the
volatility has stayed below the lower `resume_volatility_bps` for `resume_after_seconds`
without a break. The gap between the two thresholds is the hysteresis: a market hovering at
the threshold does not flip the bot on and off. It is not the kill switch: that one stays for
failures and the trader's hand, and a pause never stops the bot.

A missing measurement (no volatility yet, or the meter reset) never starts a pause and never
counts toward a resume.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

RESUME_SHARE = 0.7  # the resume threshold, as a share of the pause threshold, when not set
FAST_HALF_LIFE_S = 15.0  # the pause watches a fast meter: the band's (120 s) is for margins


class PauseAction(enum.StrEnum):
    WIDEN = "widen"  # both sides at the band's far edge (still earning, fewer fills)
    PAUSE = "pause"  # no quotes at all


@dataclass(frozen=True)
class PauseSettings:
    pause_volatility_bps: float = 0.0  # PAUSE_VOLATILITY_BPS, bps/sqrt(s); 0 = never pause
    resume_volatility_bps: float | None = None  # None: RESUME_SHARE of the pause threshold
    resume_after_seconds: float = 60.0  # RESUME_AFTER_SECONDS
    action: PauseAction = PauseAction.WIDEN  # PAUSE_ACTION
    half_life_s: float = FAST_HALF_LIFE_S  # of the meter the engine feeds this pause

    def __post_init__(self) -> None:
        if self.pause_volatility_bps < 0:
            raise ValueError("pause_volatility_bps must be >= 0 (0 = never pause)")
        if self.resume_volatility_bps is not None and not (
            0 < self.resume_volatility_bps < self.pause_volatility_bps
        ):
            raise ValueError("resume_volatility_bps must be above 0 and below pause_volatility_bps")
        if self.resume_after_seconds < 0 or self.half_life_s <= 0:
            raise ValueError("resume_after_seconds must be >= 0 and half_life_s > 0")

    @property
    def enabled(self) -> bool:
        return self.pause_volatility_bps > 0

    @property
    def resume_below(self) -> float:
        if self.resume_volatility_bps is not None:
            return self.resume_volatility_bps
        return self.pause_volatility_bps * RESUME_SHARE


@dataclass(frozen=True)
class PauseState:
    active: bool
    action: PauseAction
    changed: bool  # this update paused or resumed (for the event log and alerts)
    reason: str
    volatility_bps: float | None
    since: float | None = None  # paused since
    calm_since: float | None = None  # below the resume threshold since (while paused)
    resumes_at: float | None = None  # if it stays below until then


class VolatilityPause:
    def __init__(self, settings: PauseSettings) -> None:
        self.settings = settings
        self._since: float | None = None
        self._calm_since: float | None = None
        self._last: float | None = None

    @property
    def active(self) -> bool:
        return self._since is not None

    def update(self, now: float, volatility_bps: float | None) -> PauseState:
        """The pause after a measurement at `now` (call it each pass)."""
        s = self.settings
        if self._last is not None and now < self._last:
            return self._state(False, "clock went back: unchanged", volatility_bps)
        self._last = now
        if not s.enabled:
            return self._state(False, "off", volatility_bps)
        if self._since is None:
            if volatility_bps is not None and volatility_bps > s.pause_volatility_bps:
                self._since, self._calm_since = now, None
                return self._state(
                    True,
                    f"volatility {volatility_bps:.1f} above {s.pause_volatility_bps:g} bps/sqrt(s)",
                    volatility_bps,
                )
            return self._state(False, "calm", volatility_bps)
        if volatility_bps is None or volatility_bps >= s.resume_below:
            self._calm_since = None  # not calm (or not known): the wait starts again
            return self._state(
                False, f"waiting for volatility below {s.resume_below:g}", volatility_bps
            )
        if self._calm_since is None:
            self._calm_since = now
        if now - self._calm_since >= s.resume_after_seconds:
            self._since = self._calm_since = None
            return self._state(
                True,
                f"volatility below {s.resume_below:g} for {s.resume_after_seconds:g} s",
                volatility_bps,
            )
        return self._state(False, f"calm since {self._calm_since:.0f}", volatility_bps)

    def _state(self, changed: bool, reason: str, volatility_bps: float | None) -> PauseState:
        resumes_at = (
            None
            if self._calm_since is None
            else self._calm_since + self.settings.resume_after_seconds
        )
        return PauseState(
            self.active,
            self.settings.action,
            changed,
            reason,
            volatility_bps,
            self._since,
            self._calm_since,
            resumes_at,
        )
