"""Benchmark (issue 24): how closely paper mode meets what the simulator's own matching would
have done with the same orders, on a walking market with the simulator standing in for StandX.

One process, one event loop: the stand-in (a seeded walk with takers, pushing every 50 ms),
the paper exchange following its public streams and REST (as trading/fleet/paper.py builds
it), one engine quoting on the paper exchange, and a shadow account in the stand-in's own
matching engine: every order the paper exchange rests is placed there at that moment, at its
price and size, and cancelled when the bot cancels it; the stand-in's matching fills it by its
own rules (the mid through the price, takers at the touch), seeing the market at once where
the paper exchange sees what the public streams published (a push later, the book two ticks
either side of the mid). What differs is timing, and it grows with the load on the machine:
the figures are a measurement, not a promise.

    python -m bench.paper_accuracy [--seconds 60] [--seed 11] [--spread-bps 3]

Prints in-band seconds and fills as the bot reported them, as the paper exchange counted them
and as the simulator's matching met them, and how many orders filled in both; writes
bench/results/paper_accuracy.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.localproc import ROOT
from trading.sim.accounts import Account, SimOrder
from trading.sim.matching import Matching
from trading.sim.runner import SimServer
from trading.sim.validation import OrderRequest

RESULTS = ROOT / "bench" / "results" / "paper_accuracy.json"
SYMBOL = "BTC-USD"
# The stand-in's market: ~4.5 bps/sqrt(s), a taker at the touch every 0.25 s on average.
STANDIN: dict[str, Any] = {
    "volatility_bps": 1.0,
    "step_interval": 0.05,
    "push_interval": 0.05,
    "taker_trade_probability": 0.2,
}


class Discard:
    """The shadow account's events go nowhere: nobody subscribes to it."""

    def order_event(self, order) -> None: ...
    def trade_event(self, user, trade) -> None: ...
    def position_event(self, user, position) -> None: ...
    def balance_event(self, user) -> None: ...
    def public_trade(self, trade) -> None: ...
    def session_result(self, session_id, request_id, code, message) -> None: ...
    def cancel_refused(self, user, session_id, request_id, message) -> None: ...


class Shadow:
    """A paper exchange's orders, mirrored into the stand-in's own matching engine (a second
    Matching on the stand-in's market, which its takers reach too)."""

    USER = "shadow"

    def __init__(self, standin: SimServer, paper: SimServer, paper_user: str) -> None:
        exchange = standin.exchange
        self.matching = Matching(exchange.config, exchange.market, Discard())
        self.account = Account(self.USER, "0x0", b"", Decimal("10000000"))
        self.matching.accounts[self.USER] = self.account
        self.mirror: dict[int, SimOrder] = {}  # paper order id -> its shadow
        self.rejected = 0  # already crossing in the stand-in's own market when mirrored
        takers = exchange.matching.on_taker_trade

        def both(trade) -> None:
            takers(trade)
            self.matching.take_at_touch(trade)

        # The stand-in calls its matching's on_taker_trade for each synthetic taker.
        exchange.matching.on_taker_trade = both  # type: ignore[method-assign]
        events = paper.exchange.order_event

        def mirrored(order: SimOrder) -> None:
            events(order)
            if order.user == paper_user:
                self.follow(order)

        # Every order event of the paper exchange passes through here first.
        paper.exchange.order_event = mirrored  # type: ignore[method-assign]

    def follow(self, order: SimOrder) -> None:
        """An order event of the paper exchange: rested -> placed here, canceled -> here too."""
        if order.status == "open" and order.id not in self.mirror:
            request = OrderRequest(
                order.symbol, order.side, "limit", order.qty, order.price, "alo", False,
                order.cl_ord_id, None,
            )  # fmt: skip
            twin = self.matching.accept_new_order(self.account, request, None, "")
            self.mirror[order.id] = twin
            self.matching.process_new(twin)
            self.rejected += twin.status == "rejected"
        elif order.status == "canceled" and order.id in self.mirror:
            twin = self.mirror[order.id]
            if twin.live:
                self.matching.process_cancel(twin, None, "")

    def truth(self) -> dict:
        return self.matching.truth_for(self.USER, SYMBOL).snapshot(self.matching.clock())

    def filled(self) -> set[str]:
        return {o.cl_ord_id for o in self.mirror.values() if o.fill_qty > 0}


def filled_on(exchange: SimServer, user: str) -> set[str]:
    account = exchange.exchange.matching.accounts[user]
    return {o.cl_ord_id for o in account.orders.values() if o.fill_qty > 0}


async def measure(seconds: float, seed: int, spread_bps: Decimal) -> dict:
    """The run (Django set up, the database migrated): the three views of it."""
    from trading import bus, store
    from trading.engine.engine import Engine
    from trading.engine.feeds import SharedFeed
    from trading.engine.options import EngineOptions
    from trading.marketdata.live import LiveMarket
    from trading.models import BotConfig
    from trading.sim.faults import FaultConfig
    from trading.standx.rest import StandXRest
    from trading.standx.signing import RequestSigner

    standin = SimServer(seed=seed, **STANDIN)
    await standin.start()
    market = LiveMarket(standin.api_base, standin.ws_stream_url, [SYMBOL])
    await market.prepare()
    paper = SimServer(faults=FaultConfig(ack_latency_ms=50), feed=market)
    await paper.start()
    account = paper.create_account()
    shadow = Shadow(standin, paper, account.user)
    from django.conf import settings

    values = {
        **settings.BOT_DEFAULTS,
        "symbol": SYMBOL,
        "spread_bps": spread_bps,
        "requote_threshold_bps": spread_bps * 2 / 3,
        "run_state": "running",
    }
    await store.call(lambda: BotConfig.objects.update_or_create(name="paper", defaults=values))
    rest = StandXRest(
        paper.api_base, token=account.token, signer=RequestSigner(account.private_key)
    )
    feed = SharedFeed(paper.ws_stream_url, account.token, "account paper")
    engine = Engine("paper", rest, feed, "paper", EngineOptions.from_settings())
    task = asyncio.create_task(engine.run())
    truth = lambda: paper.exchange.stats(account.user)["symbols"][SYMBOL]  # noqa: E731
    try:
        async with asyncio.timeout(seconds + 60):
            while truth()["observed_seconds"] < seconds:
                await asyncio.sleep(0.2)
        reported = bus.latest_snapshot("paper") or {}
        paper_truth, shadow_truth = truth(), shadow.truth()
        both = shadow.filled() & filled_on(paper, account.user)
    finally:
        engine.request_shutdown()
        await asyncio.wait_for(task, 60)
        await rest.aclose()
        await paper.stop()
        await market.aclose()
        await standin.stop()
    ops = reported.get("ops") or {}
    return {
        "seconds": seconds,
        "seed": seed,
        "spread_bps": str(spread_bps),
        "standin": STANDIN,
        "in_band_seconds": {
            "bot": ops.get("in_band_seconds"),
            "paper_exchange": round(paper_truth["in_band_seconds"], 3),
            "simulator": round(shadow_truth["in_band_seconds"], 3),
        },
        "fills": {
            "bot": ops.get("fills"),
            "paper_exchange": paper_truth["fills"],
            "simulator": shadow_truth["fills"],
        },
        "orders": len(shadow.mirror),
        "filled_in_both": len(both),
        "rejected_when_mirrored": shadow.rejected,
    }


def print_result(r: dict) -> None:
    print(
        f"\npaper accuracy: {r['seconds']:.0f} s, seed {r['seed']}, spread {r['spread_bps']} "
        f"bps, {r['orders']} orders mirrored ({r['rejected_when_mirrored']} already crossing)"
    )
    print(f"{'':18}{'bot':>12}{'paper exch.':>14}{'simulator':>12}")
    for label, key in (("in-band seconds", "in_band_seconds"), ("fills", "fills")):
        row = r[key]
        bot = "-" if row["bot"] is None else row["bot"]
        print(f"{label:18}{bot:>12}{row['paper_exchange']:>14}{row['simulator']:>12}")
    print(f"orders filled in both: {r['filled_in_both']}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--spread-bps", default="3")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-paper-") as data:
        os.environ.update({"DATA_DIR": data, "STANDX_MODE": "sim", "LOG_LEVEL": "warning"})
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mmsite.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        result = asyncio.run(measure(args.seconds, args.seed, Decimal(args.spread_bps)))
    print_result(result)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2))
    print(f"\nwritten to {args.output}")
    return result


if __name__ == "__main__":
    main()
