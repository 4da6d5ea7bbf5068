"""PURE: a reward schedule (what StandX pays makers for) as validated data.

The numbers StandX publishes change and mostly reach us through third-party copies
(docs/standx-protocol.md §7), so they are data, not code: TOML files in `trading/schedules/`
(read there; this module only checks what was read). `parse_schedule` turns the parsed
table into a `RewardSchedule` or raises `ScheduleError` naming the first thing wrong, so a
bad file is refused at start with its reason instead of scoring by a silent fallback.

A schedule holds:
- `band_bps` and the proximity `weights`: points (distance from the mark in bps, weight),
  linear between them, zero beyond the band; a weight never grows with distance;
- `min_rest_seconds`: an order counts only after resting this long;
- `tiers`: minutes of the hour with both sides counted -> multiplier (and, for
  `snapshots` scoring, the percentile of the snapshots that tier scores: X70, X50);
- `scoring`: `time-weighted` (SIP-5A as we read it) or `snapshots` (the original Uptime
  Program: random moments, X70/X50);
- per symbol: the unit, the cap per side (base units), the Maker Hours per hour at most, a
  trading session (America/New_York for metals and equities) with its off-session factor.

No Django, no I/O beyond the time-zone database `zoneinfo` reads, no clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TIME_WEIGHTED, SNAPSHOTS = "time-weighted", "snapshots"
SCORINGS = (TIME_WEIGHTED, SNAPSHOTS)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime.weekday() order
ZERO, ONE = Decimal(0), Decimal(1)


class ScheduleError(ValueError):
    """A schedule that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Tier:
    name: str
    minutes: int  # minutes of the hour with both sides counted
    multiplier: Decimal
    percentile: Decimal | None = None  # snapshots scoring: 0.7 = X70


@dataclass(frozen=True)
class Session:
    """Daily trading windows in a time zone: open on each listed weekday at `opens`, closed
    at `closes` (the next day when `closes` is not after `opens`)."""

    name: str
    timezone: str
    days: frozenset[int]
    opens: dt.time
    closes: dt.time
    off_session_factor: Decimal

    def windows(self, start: float, end: float) -> list[tuple[float, float]]:
        """(open, close) epochs of every window that may overlap [start, end]."""
        zone = ZoneInfo(self.timezone)
        day = dt.datetime.fromtimestamp(start, zone).date() - dt.timedelta(days=1)
        last = dt.datetime.fromtimestamp(end, zone).date()
        found = []
        while day <= last:
            if day.weekday() in self.days:
                close_day = day if self.closes > self.opens else day + dt.timedelta(days=1)
                found.append(
                    (
                        dt.datetime.combine(day, self.opens, zone).timestamp(),
                        dt.datetime.combine(close_day, self.closes, zone).timestamp(),
                    )
                )
            day += dt.timedelta(days=1)
        return found

    def factor(self, at: float) -> Decimal:
        """1 inside a window, the off-session factor outside."""
        inside = any(o <= at < c for o, c in self.windows(at, at))
        return ONE if inside else self.off_session_factor

    def edges(self, start: float, end: float) -> list[float]:
        """The moments strictly inside (start, end) where the factor may change."""
        moments = {t for window in self.windows(start, end) for t in window}
        return sorted(t for t in moments if start < t < end)


@dataclass(frozen=True)
class SymbolTerms:
    symbol: str
    unit: Decimal | None  # base units per "unit" of size; None: not published
    cap_per_side: Decimal | None  # base units a side counts at most
    max_maker_hours: Decimal | None  # per hour
    session: Session | None = None

    def session_factor(self, at: float) -> Decimal:
        return ONE if self.session is None else self.session.factor(at)

    def session_edges(self, start: float, end: float) -> list[float]:
        return [] if self.session is None else self.session.edges(start, end)


@dataclass(frozen=True)
class RewardSchedule:
    name: str
    title: str
    source: str
    dated: dt.date
    scoring: str
    band_bps: Decimal
    weights: tuple[tuple[Decimal, Decimal], ...]  # (bps from the mark, weight), ascending
    min_rest_seconds: float
    tiers: tuple[Tier, ...]  # ascending minutes
    symbols: Mapping[str, SymbolTerms]
    snapshots_per_hour: int = 60

    def weight_at(self, distance_bps: Decimal) -> Decimal:
        """The proximity weight at a distance from the mark, linear between the points."""
        distance = abs(distance_bps)
        if distance > self.band_bps:
            return ZERO
        for (near, near_w), (far, far_w) in zip(self.weights, self.weights[1:], strict=False):
            if near <= distance <= far:
                return near_w + (far_w - near_w) * (distance - near) / (far - near)
        return self.weights[-1][1]  # a one-point schedule: flat across the band

    def terms_for(self, symbol: str) -> SymbolTerms | None:
        """The symbol's terms; None when this schedule does not pay for it."""
        return self.symbols.get(symbol)

    def tier_reached(self, qualifying_seconds: float) -> Tier | None:
        reached = [t for t in self.tiers if qualifying_seconds >= t.minutes * 60]
        return reached[-1] if reached else None

    def describe(self) -> str:
        return f"{self.name} ({self.title}; {self.source}, {self.dated.isoformat()})"


# ---------------------------------------------------------------------- parsing


TOP_KEYS = {
    "name",
    "title",
    "source",
    "dated",
    "scoring",
    "band_bps",
    "weights",
    "min_rest_seconds",
    "snapshots_per_hour",
    "tiers",
    "symbols",
    "sessions",
}
TIER_KEYS = {"name", "minutes", "multiplier", "percentile"}
SYMBOL_KEYS = {"unit", "cap_per_side", "max_maker_hours_per_hour", "session"}
SESSION_KEYS = {"timezone", "days", "opens", "closes", "off_session_factor"}


def parse_schedule(data: Mapping[str, Any]) -> RewardSchedule:
    """A parsed schedule file -> RewardSchedule, or ScheduleError naming what is wrong."""
    _known(data, TOP_KEYS, "the schedule")
    scoring = _text(data, "scoring", "the schedule")
    if scoring not in SCORINGS:
        raise ScheduleError(f"scoring {scoring!r} is not one of {', '.join(SCORINGS)}")
    band = _number(data.get("band_bps"), "band_bps", low=ZERO, low_open=True)
    weights = _weights(data.get("weights"), band)
    min_rest = _number(data.get("min_rest_seconds", 0), "min_rest_seconds", low=ZERO)
    per_hour = data.get("snapshots_per_hour", 60)
    if isinstance(per_hour, bool) or not isinstance(per_hour, int) or not 1 <= per_hour <= 3600:
        raise ScheduleError(f"snapshots_per_hour {per_hour!r} is not a whole number 1-3600")
    dated = data.get("dated")
    if not isinstance(dated, dt.date) or isinstance(dated, dt.datetime):
        raise ScheduleError(f"dated {dated!r} is not a date such as 2026-08-15")
    sessions = _sessions(data.get("sessions", {}))
    return RewardSchedule(
        name=_text(data, "name", "the schedule"),
        title=_text(data, "title", "the schedule"),
        source=_text(data, "source", "the schedule"),
        dated=dated,
        scoring=scoring,
        band_bps=band,
        weights=weights,
        min_rest_seconds=float(min_rest),
        tiers=_tiers(data.get("tiers"), scoring),
        symbols=_symbols(data.get("symbols"), sessions),
        snapshots_per_hour=per_hour,
    )


def _known(table: Mapping[str, Any], keys: set[str], where: str) -> None:
    if not isinstance(table, Mapping):
        raise ScheduleError(f"{where} is not a table")
    unknown = sorted(set(table) - keys)
    if unknown:
        raise ScheduleError(f"{where} has unknown key(s) {', '.join(unknown)}")


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ScheduleError(f"{where} needs {key} (text)")
    return value.strip()


def _number(
    value: Any,
    what: str,
    low: Decimal | None = None,
    high: Decimal | None = None,
    low_open: bool = False,
) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ScheduleError(f"{what} {value!r} is not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ScheduleError(f"{what} {value!r} is not a number") from None
    if not number.is_finite():
        raise ScheduleError(f"{what} {value!r} is not a finite number")
    if low is not None and (number < low or (low_open and number == low)):
        raise ScheduleError(f"{what} {value!r} must be {'above' if low_open else 'at least'} {low}")
    if high is not None and number > high:
        raise ScheduleError(f"{what} {value!r} must be at most {high}")
    return number


def _weights(value: Any, band: Decimal) -> tuple[tuple[Decimal, Decimal], ...]:
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise ScheduleError("weights must be a list of [bps, weight] points")
    points = []
    for index, point in enumerate(value):
        where = f"weights[{index}]"
        if not isinstance(point, Sequence) or isinstance(point, str) or len(point) != 2:
            raise ScheduleError(f"{where} {point!r} is not a [bps, weight] pair")
        bps = _number(point[0], f"{where} distance", low=ZERO, high=band)
        points.append((bps, _number(point[1], f"{where} weight", low=ZERO)))
    if points[0][0] != 0:
        raise ScheduleError("weights must start at 0 bps from the mark")
    if points[-1][0] != band:
        raise ScheduleError(f"weights must end at the band's edge ({band} bps)")
    for (near, near_w), (far, far_w) in zip(points, points[1:], strict=False):
        if far <= near:
            raise ScheduleError(f"weights' distances must increase ({near} then {far} bps)")
        if far_w > near_w:
            raise ScheduleError(
                f"weights must not grow with distance ({near_w} at {near} bps, "
                f"{far_w} at {far} bps)"
            )
    return tuple(points)


def _tiers(value: Any, scoring: str) -> tuple[Tier, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise ScheduleError("tiers must be a list of [[tiers]] tables")
    tiers = []
    for index, table in enumerate(value):
        where = f"tiers[{index}]"
        _known(table, TIER_KEYS, where)
        minutes = table.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 60:
            raise ScheduleError(f"{where} minutes {minutes!r} is not a whole number 0-60")
        percentile = None
        if scoring == SNAPSHOTS:
            if "percentile" not in table:
                raise ScheduleError(f"{where} needs a percentile (snapshots scoring)")
            percentile = _number(table["percentile"], f"{where} percentile", ZERO, ONE, True)
        elif "percentile" in table:
            raise ScheduleError(f"{where} percentile applies to snapshots scoring only")
        tiers.append(
            Tier(
                _text(table, "name", where),
                minutes,
                _number(table.get("multiplier"), f"{where} multiplier", low=ZERO, low_open=True),
                percentile,
            )
        )
    for lower, higher in zip(tiers, tiers[1:], strict=False):
        if higher.minutes <= lower.minutes:
            raise ScheduleError(f"tiers must be listed by increasing minutes ({lower.name} first)")
        if higher.multiplier < lower.multiplier:
            raise ScheduleError(f"tier {higher.name} pays less than {lower.name}")
    return tuple(tiers)


def _symbols(value: Any, sessions: Mapping[str, Session]) -> dict[str, SymbolTerms]:
    if not isinstance(value, Mapping) or not value:
        raise ScheduleError("symbols must be a table of at least one [symbols.<SYMBOL>]")
    terms = {}
    for symbol, table in value.items():
        where = f"symbols.{symbol}"
        _known(table, SYMBOL_KEYS, where)
        session_name = table.get("session")
        if session_name is not None and session_name not in sessions:
            raise ScheduleError(f"{where} session {session_name!r} is not in [sessions]")

        def optional(key: str, where: str = where, table: Mapping[str, Any] = table) -> Any:
            if key not in table:
                return None
            return _number(table[key], f"{where} {key}", low=ZERO, low_open=True)

        terms[symbol] = SymbolTerms(
            symbol,
            unit=optional("unit"),
            cap_per_side=optional("cap_per_side"),
            max_maker_hours=optional("max_maker_hours_per_hour"),
            session=sessions[session_name] if session_name is not None else None,
        )
    return terms


def _sessions(value: Any) -> dict[str, Session]:
    if not isinstance(value, Mapping):
        raise ScheduleError("sessions must be a table of [sessions.<name>]")
    found = {}
    for name, table in value.items():
        where = f"sessions.{name}"
        _known(table, SESSION_KEYS, where)
        zone = _text(table, "timezone", where)
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleError(f"{where} timezone {zone!r} is not a known time zone") from None
        days = table.get("days")
        if (
            not isinstance(days, Sequence)
            or isinstance(days, str)
            or not days
            or any(d not in DAYS for d in days)
        ):
            raise ScheduleError(f"{where} days {days!r} must list some of {', '.join(DAYS)}")
        opens, closes = _clock_time(table, "opens", where), _clock_time(table, "closes", where)
        if opens == closes:
            raise ScheduleError(f"{where} opens and closes at the same time")
        found[name] = Session(
            name,
            zone,
            frozenset(DAYS.index(d) for d in days),
            opens,
            closes,
            _number(table.get("off_session_factor"), f"{where} off_session_factor", ZERO, ONE),
        )
    return found


def _clock_time(table: Mapping[str, Any], key: str, where: str) -> dt.time:
    value = table.get(key)
    if isinstance(value, dt.time):  # TOML's own local time (opens = 09:30:00)
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return dt.time.fromisoformat(value)
    raise ScheduleError(f"{where} {key} {value!r} is not a time such as 09:30")
