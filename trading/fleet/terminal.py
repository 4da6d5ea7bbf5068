"""What `runbot` prints for the person at the terminal: the strategy in force at start, a
status line per bot every minute or so, and each bot's stop result.

Pure text from plain values (a config row's strategy values, an engine snapshot), so each
line is tested without a running bot. Never a secret: snapshots and rows hold none."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from trading.core.bot_settings import BotSettings
from trading.core.domain import plain
from trading.core.strategies import strategy_for
from trading.core.strategy import Measured


def _num(value: object) -> str:
    """A Decimal (or a snapshot's text of one) written plainly: 50, 0.5, 30."""
    try:
        return plain(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def strategy_lines(settings: BotSettings) -> str:
    """The strategy actually in force (after .env changes were applied): symbol, sizes and
    the strategy's own settings, then whether StandX pays for it."""
    sizes = (
        f"  quoting {settings.symbol}: bid {_num(settings.bid_notional)} USD, ask "
        f"{_num(settings.ask_notional)} USD, at most {_num(settings.max_notional)} USD "
        f"exposure; reward band {_num(settings.uptime_band_bps)} bps of the mark"
    )
    return sizes + "\n" + strategy_line(settings)


def strategy_line(settings: BotSettings) -> str:
    """What the bot will quote, and whether StandX pays for it: a trader reads this first."""
    strategy = strategy_for(settings)
    line = f"  strategy: {settings.quote_strategy} — {strategy.describe(settings)}"
    problem = strategy.earn_problem(settings, None, Measured())
    return line if problem is None else f"{line}\n  CANNOT EARN: {problem}"


def _side(quote: dict | None, name: str) -> str:
    if not quote:
        return f"{name} none"
    bps = quote.get("bps_from_mark")
    where = "" if bps is None else f" ({float(bps):+.1f} bps)"
    return f"{name} {_num(quote['price'])}{where}"


def status_line(snapshot: dict) -> str:
    """One bot's state in one line: run state, our quotes against the mark, in-band minutes
    and fills this UTC hour, position (and the account, when the snapshot carries it)."""
    bot, state = snapshot.get("bot", "?"), snapshot.get("state", "?")
    parts = [f"[{bot}] {state}"]
    if state != "running" and snapshot.get("state_reason"):
        parts[0] += f" ({snapshot['state_reason']})"
    quotes, market = snapshot.get("quotes") or {}, snapshot.get("market") or {}
    mark = market.get("mark")
    parts.append(
        f"{snapshot.get('symbol', '?')} {_side(quotes.get('bid'), 'bid')} / "
        f"{_side(quotes.get('ask'), 'ask')} vs mark {_num(mark) if mark else 'unknown'}"
    )
    tier = snapshot.get("tier") or {}
    if tier.get("in_band_minutes") is not None:
        parts.append(f"in band {tier['in_band_minutes']} min this hour")
    fills = snapshot.get("fills")
    if isinstance(fills, dict) and fills.get("this_hour") is not None:
        parts.append(f"fills {fills['this_hour']} this hour")
    position = (snapshot.get("position") or {}).get("qty")
    if position is not None:
        parts.append(f"position {_num(position)}")
    account = snapshot.get("account")
    if isinstance(account, dict):
        shown = [f"{k} {_num(account[k])}" for k in ("equity", "available") if k in account]
        if shown:
            parts.append("account " + ", ".join(shown))
    return "  ".join(parts)


def stop_line(bot: str, canceled: int, result) -> str | None:
    """The verified outcome of a bot's clean stop; None when it was not verified (runbot's
    exit report says "orders may remain on the exchange" for those)."""
    if result is None or not result.verified:
        return None
    return f"bot {bot} stopped: canceled {canceled} order(s), verified none left"
