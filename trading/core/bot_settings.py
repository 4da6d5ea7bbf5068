"""PURE: every per-bot setting, declared once, and the typed value the engine reads.

`BotSettings` is both the declaration and the value. Each field's annotation is the
setting's type; its metadata (`Setting`) holds the environment variable that seeds it, what
it is called on screen, its unit, bounds, choices, help text and group. Everything else is
derived from this class or checked against it by a test (tests/trading/core/
test_bot_settings.py, tests/test_settings_sources.py):

- trading/models.py builds each BotConfig column from its Setting (`setting_field`):
  default, validators, choices, help text; the API schema (dashboard/api_schemas.py) is
  generated from those columns;
- mmsite/strategy_defaults.py reads each environment variable with the Setting's default
  and bounds (settings.BOT_DEFAULTS);
- dashboard/forms.py takes labels, units and error messages from it, dashboard/admin.py its
  fieldsets (the groups);
- the README's settings table lists every variable with this default.

The engine gets a frozen BotSettings (`BotSettings.from_values(row values)`): every setting
present, each of its type and within its bounds, nothing else; a misspelled name is an
AttributeError or a SettingsError, never a silent fallback to a stale default.

A frozen dataclass, not pydantic: the pure core imports nothing but the standard library
(pydantic is here only as django-ninja's dependency, the web tier's), the rules that
validate a value are the Setting's own (the same bounds the env reader and the forms use),
and mypy's strict checks see every attribute. The defaults below are the original
environment defaults ("50.0", not 50): the env reader writes them back as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, get_type_hints

from trading.core.domain import plain

T = TypeVar("T")

# A switch is stored and shown as one of these two words (its typed value is a bool).
OFF, ON = "off", "on"
# The symbols a bot may quote: the choices of `symbol`. The exchange's own list is checked
# at startup (trading/fleet/startup_checks.py).
KNOWN_SYMBOLS = ("BTC-USD", "ETH-USD", "XAU-USD", "XAG-USD")

# group -> its title, in the order admin shows them.
GROUPS = {
    "market": "Market",
    "quoting": "Quotes",
    "limits": "Risk",
    "inventory": "Inventory control",
    "uptime": "Uptime",
    "strategy": "Band strategy",
}


class SettingsError(ValueError):
    """A value (or a set of values) that is no valid bot setting; the message names it."""


@dataclass(frozen=True)
class Setting:
    """What is declared about one setting besides its name, type and default."""

    env: str  # the environment variable that seeds it
    label: str  # what it is called on screen and in error messages
    unit: str  # "bps", "USD", "s", "min", ...; "" for a count or a choice
    help: str
    group: str  # a key of GROUPS
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    above_minimum: bool = False  # the minimum itself is refused ("more than 0")
    digits: int = 0  # a decimal's stored digits in all ...
    places: int = 0  # ... and after the point
    choices: tuple[tuple[str, str], ...] = ()  # (value, what it means); a switch: off, on
    length: int = 0  # a text's stored width
    # Filled in from the BotSettings field (SPEC below).
    name: str = ""
    kind: type = object  # Decimal, int, bool (a switch) or str (a choice)
    default: Any = None

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _meaning in self.choices)

    @property
    def stored_default(self) -> object:
        """The default as a config row stores it (a switch as off/on)."""
        return _stored(self.default)

    @property
    def default_text(self) -> str:
        """The default as the environment writes it: "50.0", "5", "off", "spread"."""
        return as_stored_text(self.default)

    @property
    def shown_label(self) -> str:
        """A form's label: "Spread (bps)"."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def parse(self, raw: object) -> Any:
        """The typed value of a stored, posted or environment value; SettingsError names
        the setting, what was given and what is allowed."""
        if self.kind is bool:
            return self._switch(raw)
        if self.kind is str:
            return self._choice(raw)
        if self.kind is int:
            return self._in_bounds(self._whole(raw))
        return self._in_bounds(self._decimal(raw))

    def _switch(self, raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        if raw in (OFF, ON):
            return raw == ON
        raise self._bad(raw, f"{OFF} or {ON}")

    def _choice(self, raw: object) -> str:
        if isinstance(raw, str) and raw in self.values:
            return raw
        raise self._bad(raw, "one of " + ", ".join(self.values))

    def _whole(self, raw: object) -> Decimal:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return Decimal(raw)
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            return Decimal(raw.strip())
        raise self._bad(raw, "a whole number")

    def _decimal(self, raw: object) -> Decimal:
        if isinstance(raw, bool) or not isinstance(raw, (Decimal, int, str)):
            raise self._bad(raw, "a decimal number")
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            raise self._bad(raw, "a decimal number") from None
        if not number.is_finite():
            raise self._bad(raw, "a finite decimal number")
        return number

    def _in_bounds(self, number: Decimal) -> Any:
        low, high = self.minimum, self.maximum
        if low is not None and (number < low or (self.above_minimum and number == low)):
            more = "more than" if self.above_minimum else "at least"
            raise self._bad(number, f"{more} {plain(low)}")
        if high is not None and number > high:
            raise self._bad(number, f"at most {plain(high)}")
        return int(number) if self.kind is int else number

    def _bad(self, raw: object, allowed: str) -> SettingsError:
        given = repr(plain(raw)) if isinstance(raw, Decimal) else repr(raw)
        return SettingsError(f"{self.name} {given} is not valid: expected {allowed}")


def _setting(default: T, **declared: Any) -> T:
    """A BotSettings field: its default, with the rest of the declaration as metadata."""
    found: T = field(default=default, metadata={"setting": Setting(**declared)})
    return found


def _number(
    low: str | None, high: str, digits: int, places: int, above: bool = False
) -> dict[str, Any]:
    return {
        "minimum": None if low is None else Decimal(low),
        "maximum": Decimal(high),
        "above_minimum": above,
        "digits": digits,
        "places": places,
    }


def _whole(low: int, high: int) -> dict[str, Any]:
    return {"minimum": Decimal(low), "maximum": Decimal(high)}


def _switch(off: str, on: str) -> dict[str, Any]:
    return {"choices": ((OFF, f"{OFF}: {off}"), (ON, f"{ON}: {on}")), "length": 3}


@dataclass(frozen=True, slots=True)
class BotSettings:
    """One bot's settings: the declaration (each field's metadata) and the typed value."""

    symbol: str = _setting(
        "BTC-USD",
        env="SYMBOL",
        label="Symbol",
        unit="",
        group="market",
        help="the perpetual the bot quotes",
        choices=tuple((s, s) for s in KNOWN_SYMBOLS),
        length=20,
    )
    spread_bps: Decimal = _setting(
        Decimal("50.0"),
        env="SPREAD_BPS",
        label="Spread",
        unit="bps",
        group="quoting",
        help="spread strategy: each side this far from the mid; wider than the proximity guard",
        **_number("0", "1000", 10, 4, above=True),
    )
    bid_notional: Decimal = _setting(
        Decimal("30.0"),
        env="BID_NOTIONAL",
        label="Bid notional",
        unit="USD",
        group="quoting",
        help="the bid's size in USD",
        **_number("0", "10000000", 20, 4, above=True),
    )
    ask_notional: Decimal = _setting(
        Decimal("30.0"),
        env="ASK_NOTIONAL",
        label="Ask notional",
        unit="USD",
        group="quoting",
        help="the ask's size in USD",
        **_number("0", "10000000", 20, 4, above=True),
    )
    refresh_interval: Decimal = _setting(
        Decimal("1.0"),
        env="REFRESH_INTERVAL",
        label="Refresh interval",
        unit="s",
        group="quoting",
        help="the housekeeping timer (market data is handled as it arrives)",
        **_number("0.05", "60", 8, 3),
    )
    requote_threshold_bps: Decimal = _setting(
        Decimal("25.0"),
        env="REQUOTE_THRESHOLD_BPS",
        label="Requote threshold",
        unit="bps",
        group="quoting",
        help="a side is requoted when the mid drifted more than this since it was placed",
        **_number("0", "1000", 10, 4, above=True),
    )
    proximity_guard_bps: Decimal = _setting(
        Decimal("1.0"),
        env="PROXIMITY_GUARD_BPS",
        label="Proximity guard",
        unit="bps",
        group="quoting",
        help="a side this close to the opposite best price is requoted",
        **_number("0", "1000", 10, 4),
    )
    max_notional: Decimal = _setting(
        Decimal("300"),
        env="MAX_NOTIONAL",
        label="Position limit",
        unit="USD",
        group="limits",
        help="the side that would take |position| x mid plus its order past this is shrunk, "
        "then stopped; the reducing side always quotes",
        **_number("0", "100000000", 20, 4, above=True),
    )
    max_consecutive_failures: int = _setting(
        5,
        env="MAX_CONSECUTIVE_FAILURES",
        label="Max consecutive failures",
        unit="",
        group="limits",
        help="failed exchange calls in a row that trip the kill switch",
        **_whole(1, 1000),
    )
    stale_order_seconds: Decimal = _setting(
        Decimal("30"),
        env="STALE_ORDER_SECONDS",
        label="Stale order age",
        unit="s",
        group="quoting",
        help="an order older than this is requoted (spread strategy)",
        **_number("1", "86400", 10, 3),
    )
    max_spread_deviation_bps: Decimal = _setting(
        Decimal("200"),
        env="MAX_SPREAD_DEVIATION_BPS",
        label="Max spread deviation",
        unit="bps",
        group="quoting",
        help="never quote further than this from the mid; at least the spread",
        **_number("0", "10000", 10, 4, above=True),
    )
    uptime_target_minutes: int = _setting(
        30,
        env="UPTIME_TARGET_MINUTES",
        label="Uptime target",
        unit="min",
        group="uptime",
        help="in-band minutes aimed for each hour (30: standard tier, 42: boosted)",
        **_whole(0, 60),
    )
    uptime_band_bps: Decimal = _setting(
        Decimal("10"),
        env="UPTIME_BAND_BPS",
        label="Uptime band",
        unit="bps",
        group="uptime",
        help="the band around the mark that counts as in-band uptime",
        **_number("0", "1000", 10, 4, above=True),
    )
    requote_mode: str = _setting(
        "make_before_break",
        env="REQUOTE_MODE",
        label="Requote mode",
        unit="",
        group="quoting",
        help="how an order is replaced",
        choices=(
            ("make_before_break", "make_before_break: the new order first, never dark"),
            ("cancel_first", "cancel_first: cancel, then place (the original)"),
        ),
        length=20,
    )
    quote_strategy: str = _setting(
        "spread",
        env="QUOTE_STRATEGY",
        label="Quote strategy",
        unit="",
        group="strategy",
        help="how the quotes are placed (trading/core/strategies.py)",
        choices=(
            ("spread", "spread: mid ± SPREAD_BPS (the original)"),
            ("band", "band: both sides held inside the reward band of the mark"),
        ),
        length=20,
    )
    band_margin_bps: Decimal = _setting(
        Decimal("0"),
        env="BAND_MARGIN_BPS",
        label="Band margin",
        unit="bps",
        group="strategy",
        help="band: least distance kept from the band's edge (0: from measured volatility "
        "and latency)",
        **_number("0", "50", 8, 4),
    )
    band_min_rest_seconds: Decimal = _setting(
        Decimal("3"),
        env="BAND_MIN_REST_SECONDS",
        label="Band minimum rest",
        unit="s",
        group="strategy",
        help="band: an order rests at least this long before a non-urgent cancel",
        **_number("0", "60", 6, 2),
    )
    band_max_requests_per_minute: int = _setting(
        300,
        env="BAND_MAX_REQUESTS_PER_MINUTE",
        label="Band request cap",
        unit="requests a minute",
        group="strategy",
        help="band: above this many requests a minute the bot holds its orders longer",
        **_whole(10, 3000),
    )
    inventory_skew_bps: Decimal = _setting(
        Decimal("0"),
        env="INVENTORY_SKEW_BPS",
        label="Inventory skew",
        unit="bps",
        group="inventory",
        help="the side that adds to the position moves this many bps away from the mark at "
        "the position limit (in proportion below it), never out of the reward band; 0: off",
        **_number("0", "50", 8, 4),
    )
    fill_cooldown_seconds: Decimal = _setting(
        Decimal("0"),
        env="FILL_COOLDOWN_SECONDS",
        label="Cooldown after a fill",
        unit="s",
        group="inventory",
        help="after a fill, that side places nothing for this long; 0: off",
        **_number("0", "600", 7, 3),
    )
    flatten_on_stop: bool = _setting(
        False,
        env="FLATTEN_ON_STOP",
        label="Flatten on stop",
        unit="",
        group="inventory",
        help="stop and process shutdown close the position with reduce-only orders",
        **_switch("a stop keeps the position", "a stop flattens it"),
    )
    flatten_on_kill: bool = _setting(
        False,
        env="FLATTEN_ON_KILL",
        label="Flatten on kill",
        unit="",
        group="inventory",
        help="a kill (by hand or the kill switch) closes the position with reduce-only orders",
        **_switch("a kill keeps the position", "a kill flattens it"),
    )
    flatten_after_fill: bool = _setting(
        False,
        env="FLATTEN_AFTER_FILL",
        label="Flatten after a fill",
        unit="",
        group="inventory",
        help="after a fill while running, close the position with reduce-only orders "
        "(maker at the touch, then taker)",
        **_switch("fills build a position", "each fill is flattened"),
    )
    flatten_maker_seconds: Decimal = _setting(
        Decimal("3"),
        env="FLATTEN_MAKER_SECONDS",
        label="Flatten: maker for",
        unit="s",
        group="inventory",
        help="flattening: how long the reduce-only maker order at the touch waits before a "
        "taker order closes the rest; 0: taker at once",
        **_number("0", "10", 5, 2),
    )

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> BotSettings:
        """Every setting, each valid, and nothing else (a config row's values)."""
        missing = [name for name in SPEC if name not in values]
        if missing:
            raise SettingsError("missing setting(s): " + ", ".join(missing))
        return DEFAULTS.updated(values)

    def updated(self, changes: Mapping[str, object]) -> BotSettings:
        """These settings with some changed (each parsed and checked; an unknown name is
        refused)."""
        unknown = sorted(set(changes) - set(SPEC))
        if unknown:
            raise SettingsError("unknown setting(s): " + ", ".join(unknown))
        return replace(self, **{name: SPEC[name].parse(v) for name, v in changes.items()})

    def stored(self) -> dict[str, object]:
        """As a config row stores them: Decimals, whole numbers, "on"/"off", choices."""
        return {name: _stored(getattr(self, name)) for name in SPEC}

    def shown(self) -> dict[str, object]:
        """As the snapshot and the API show them: decimals as plain text ("8", not
        "8.0000"), whole numbers as numbers, switches and choices as words."""
        return {name: _shown(getattr(self, name)) for name in SPEC}

    def changes_from(self, before: BotSettings) -> dict[str, tuple[object, object]]:
        """name -> (before, now) for every setting that differs."""
        return {
            name: (getattr(before, name), getattr(self, name))
            for name in SPEC
            if getattr(before, name) != getattr(self, name)
        }


def _declared() -> dict[str, Setting]:
    kinds = get_type_hints(BotSettings)
    return {
        f.name: replace(f.metadata["setting"], name=f.name, kind=kinds[f.name], default=f.default)
        for f in fields(BotSettings)
    }


# name -> its declaration, in the declared order (forms, the API and .env keep it).
SPEC: dict[str, Setting] = _declared()
# The declared defaults, typed: what a setting is before a config row says otherwise.
DEFAULTS = BotSettings()


def names_in(group: str) -> tuple[str, ...]:
    return tuple(name for name, s in SPEC.items() if s.group == group)


# ---------------------------------------------------------------- a setting's value as text


def as_stored_text(value: object) -> str:
    """A setting's value as text: a decimal plainly ("50.0" keeps its point), a switch as
    off/on, anything else as str()."""
    if isinstance(value, bool):
        return ON if value else OFF
    return str(value)


def _stored(value: object) -> object:
    return (ON if value else OFF) if isinstance(value, bool) else value


def _shown(value: object) -> object:
    if isinstance(value, Decimal):
        return plain(value)
    return _stored(value)
