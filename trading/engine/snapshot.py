"""The engine's state as the dashboard sees it, published once a second.

The exact shape is the contract in docs/architecture.md ("Engine snapshot"). Decimals leave
as strings, times as ISO-8601 UTC, so the JSON is the same for every consumer.
"""

from __future__ import annotations

from decimal import Decimal

from trading.core.breaker import RequoteBreaker
from trading.core.domain import BPS, LiveOrder, Side, plain_or_none
from trading.core.orders import OrderTracker
from trading.core.reward import LifetimeStats
from trading.core.times import iso_time
from trading.engine.eventlog import EventLog
from trading.engine.executor import Executor
from trading.engine.failures import Failures
from trading.engine.inventory_view import inventory_view
from trading.engine.ledger import Ledger
from trading.engine.ledger_view import history_with_money, ledger_fields
from trading.engine.market_view import MarketView
from trading.engine.state import BotState, RunStatus
from trading.engine.uptime_keeper import UptimeKeeper


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else iso_time(epoch)


def _bps(price: Decimal, reference: Decimal | None) -> Decimal | None:
    if reference is None or reference == 0:
        return None
    return ((price - reference) / reference * BPS).quantize(Decimal("0.01"))


def quote_view(
    order: LiveOrder | None, mid: Decimal | None, mark: Decimal | None, band_bps: Decimal
) -> dict | None:
    if order is None:
        return None
    from_mark = _bps(order.price, mark)
    return {
        "price": str(order.price),
        "qty": str(order.qty),
        "bps_from_mid": plain_or_none(_bps(order.price, mid)),
        "bps_from_mark": plain_or_none(from_mark),
        "in_band": from_mark is not None and abs(from_mark) <= band_bps,
    }


def _shown_order(tracker: OrderTracker, side: Side, mark: Decimal | None) -> LiveOrder | None:
    """The side's resting order (closest to the mark), or else the one on its way."""
    return tracker.resting(side, mark) or next(iter(tracker.on_side(side)), None)


def _orders(tracker: OrderTracker, now: float) -> list[dict]:
    rows = []
    for order in sorted(tracker.live(), key=lambda o: (o.side.value, o.price)):
        rows.append(
            {
                "cl_ord_id": order.cl_ord_id,
                "side": order.side.value,
                "price": str(order.price),
                "qty": str(order.qty),
                "state": order.state.value,
                "age_s": round(max(0.0, now - order.sent_at), 1),
                "exchange_id": order.exchange_id,
            }
        )
    return rows


def _market(market: MarketView) -> dict:
    top = market.top()
    return {
        "mid": plain_or_none(top.mid if top else None),
        "mark": plain_or_none(market.mark),
        "best_bid": plain_or_none(top.best_bid if top else None),
        "best_ask": plain_or_none(top.best_ask if top else None),
    }


def build_snapshot(
    state: BotState,
    now: float,
    *,
    uptime: UptimeKeeper,
    events: EventLog,
    failures: Failures,
    executor: Executor,
    breaker: RequoteBreaker,
    strategy: dict,
    lifetimes: LifetimeStats,
    exchange_uptime: dict,
    ledger: Ledger | None = None,
) -> dict:
    market, tracker = state.market, state.tracker
    snapshot = {
        "bot": state.bot,
        "state": state.run.state.value,
        "state_reason": state.run.reason,
        "cleanup": cleanup_view(state.run),
        "mode": state.mode,
        "symbol": state.symbol,
        "feed": _feed(market, now),
        "market": _market(market),
        "quotes": _quotes(tracker, market, state.settings.uptime_band_bps),
        "orders": _orders(tracker, now),
        **_reward_fields(state, now, uptime, executor, strategy, lifetimes, exchange_uptime),
        "events": events.recent(),
        "config": state.settings.shown(),
        "failures": failures_view(failures),
        "breaker": breaker_view(breaker, now),
        "position": {"qty": str(state.position_qty)},
        "inventory": inventory_view(state),
        "token_expires_at": _iso(executor.rest.token_expires_at),
        "latency": reaction_latency(executor.reaction_ms),
        "exchange": exchange_load(executor.rest),
        "updated_at": _iso(now),
    }
    if ledger is not None:
        snapshot.update(ledger_fields(ledger, uptime, now))
        snapshot["history"] = history_with_money(snapshot["history"], ledger)
    return snapshot


def _feed(market: MarketView, now: float) -> dict:
    age = market.age(now)
    return {
        "market": market.market_feed,
        "account": market.account_feed,
        "last_message_age_s": None if age is None else round(age, 3),
    }


def _quotes(tracker: OrderTracker, market: MarketView, band: Decimal) -> dict:
    """Each side's shown order, in bps from the mid and the mark, and whether it is in the
    reward band."""
    top = market.top()
    mid, mark = (top.mid if top else None), market.mark
    return {
        "bid": quote_view(_shown_order(tracker, Side.BUY, mark), mid, mark, band),
        "ask": quote_view(_shown_order(tracker, Side.SELL, mark), mid, mark, band),
    }


def _reward_fields(
    state: BotState,
    now: float,
    uptime: UptimeKeeper,
    executor: Executor,
    strategy: dict,
    lifetimes: LifetimeStats,
    exchange_uptime: dict,
) -> dict:
    """What the reward programme counts: this hour's uptime and the last 24, the strategy,
    the tier budget, the size that counts, order lifetimes and StandX's own figures."""
    tracker, mark = state.tracker, state.market.mark
    return {
        "uptime": uptime.current(now, state.settings.uptime_target_minutes),
        "history": uptime.history(now),
        "strategy": strategy,
        "tier": uptime.tier(now),
        "counted_size": uptime.counted(
            now, tracker.resting(Side.BUY, mark), tracker.resting(Side.SELL, mark)
        ),
        "lifetimes": lifetimes_view(lifetimes, executor.calls.requests_per_minute(now)),
        "exchange_uptime": exchange_uptime,
        "maker_hours": uptime.reward(now),  # the schedule's estimate (docs/standx-protocol.md §7.5)
    }


def cleanup_view(run: RunStatus) -> dict | None:
    """What the last kill/stop/shutdown could not verify gone (None: nothing in doubt)."""
    if run.unverified == 0:
        return None
    what = (
        "could not verify with the exchange that our orders are gone"
        if run.unverified is None
        else f"{run.unverified} orders could not be verified gone"
    )
    return {"verified": False, "left": run.unverified, "message": f"{run.state.value} — {what}"}


def lifetimes_view(lifetimes: LifetimeStats, requests_per_minute: float) -> dict:
    share, life = lifetimes.young_share, lifetimes.median_life
    return {
        "cancels": lifetimes.cancels,
        "young_cancels": lifetimes.young_cancels,
        "young_share": None if share is None else round(share, 3),
        "min_rest_s": lifetimes.min_rest_s,
        "median_life_s": None if life is None else round(life, 2),
        "requests_per_minute": round(requests_per_minute, 1),
    }


def failures_view(failures: Failures) -> dict:
    recent = [
        {"at": _iso(at), "where": where, "error": error}
        for at, where, error in list(failures.seen)[-5:]
    ]
    return {"consecutive": failures.consecutive, "max": failures.limit, "recent": recent}


def breaker_view(breaker: RequoteBreaker, now: float) -> dict:
    """Per side: whether the requote breaker throttles it, for how long, how often it has."""
    return {
        ("bid" if side is Side.BUY else "ask"): {
            "holding": breaker.tripped(side, now),
            "seconds_left": round(breaker.hold_remaining(side, now), 1),
            "trips": breaker.trips[side],
        }
        for side in Side
    }


LATENCY_WINDOW = 1000  # the latest reactions: recent enough to show a slow-down


def reaction_latency(samples_ms) -> dict:
    """p50/p99 of the last LATENCY_WINDOW trigger-to-send reactions, in ms."""
    recent = sorted(list(samples_ms)[-LATENCY_WINDOW:])
    if not recent:
        return {"reaction_p50_ms": None, "reaction_p99_ms": None, "samples": 0}

    def pick(q: float) -> float:
        return round(recent[min(len(recent) - 1, int(q * len(recent)))], 3)

    return {"reaction_p50_ms": pick(0.50), "reaction_p99_ms": pick(0.99), "samples": len(recent)}


def exchange_load(rest) -> dict:
    """Requests sent by the bot's account client (shared by the account's bots), by path,
    and the seconds they waited for the rate budget: what a busy host spends."""
    return {
        "requests": rest.stats.requests,
        "paths": dict(rest.stats.paths),
        "pacer_wait_s": round(rest.pacer.waited_seconds, 3),
    }
