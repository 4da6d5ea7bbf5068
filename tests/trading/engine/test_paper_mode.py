"""Paper mode against the simulator standing in for StandX: the real engine trades on the
paper exchange (the simulator following a market, trading/sim/feed.py, as
trading/fleet/paper.py builds it) fed by the stand-in's PUBLIC streams and REST only.

1. Nothing private reaches the stand-in: its request log (`--log-requests`) holds only
   unauthenticated GETs of public market data, none with a bearer token or a signature, and
   no account-stream or ws-api frame.
2. What the paper bot reports is what the same orders met in the simulator's own matching.
   Every order the paper exchange rests is placed at that moment, at its price and size, in a
   shadow account of the stand-in's own matching engine, and cancelled with it
   (bench/paper_accuracy.py's Shadow). The test moves the stand-in's market itself, one move
   at a time, each once the paper exchange shows the last one and the bot has quoted on it;
   a move either crosses a quote by 2 bps or stays 1.5 bps clear of both, so the simulator's
   rule (the mid through the price) and the paper exchange's (the published book through the
   price) must agree on every order. Stated tolerance: the same orders fill, every one; the
   paper exchange's in-band seconds exceed the simulator's by at most the time each fill took
   to reach it (it fills when the book arrives, the simulator at the move), nothing else; the
   bot reports every fill, and never more in-band time than the exchange gave it.
   On a walking market, with the timing of a live feed, `python -m bench.paper_accuracy`
   measures the same comparison (docs/operations.md section 14 has its numbers): a timing
   figure, so a benchmark's, not a test's.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bench.paper_accuracy import Shadow, filled_on
from tests.trading.engine.conftest import FAST_OPTIONS, SYMBOL, Running, save_config, wait_until
from trading import bus
from trading.core.domain import OrderState, Side
from trading.engine.engine import Engine
from trading.engine.feeds import SharedFeed
from trading.marketdata.live import LiveMarket
from trading.sim.accounts import SimOrder
from trading.sim.faults import FaultConfig
from trading.sim.runner import SimServer
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_PATHS = {"/api/query_symbol_info", "/api/query_depth_book", "/api/query_symbol_price"}
MID = Decimal("66000.00")
# Quotes 3 bps either side of the mid; requoted once the mid drifted 2 bps.
PAPER_CONFIG = {"spread_bps": Decimal("3"), "requote_threshold_bps": Decimal("2")}
# Each move: cross the bid or the ask by 2 bps, or drift 1.5 bps up or down (kept 1 bps clear
# of both quotes: the mid a tick from a quote is where the two rules part, by design).
MOVES = ("up", "cross bid", "down", "cross ask", "up", "up", "cross ask", "down", "cross bid")
HOLD_SECONDS = 0.5  # in band this long (exchange clock) before the next move
MIRROR_SECONDS = 0.002  # how much later, at most, a twin rests or leaves than its original


@pytest.fixture
async def paper(tmp_path):
    """The stand-in (frozen at MID: the test moves it; its requests logged), the paper
    exchange following its public market, a funded paper account and the shadow:
    (standin, exchange, account, shadow, log path)."""
    log = tmp_path / "standin-requests.jsonl"
    standin = SimServer(
        push_interval=0.05, taker_trade_probability=0.0, volatility_bps=0.0, log_requests=str(log)
    )
    await standin.start()
    standin.exchange.market.freeze()
    standin.exchange.market.set_mid(SYMBOL, MID)
    market = LiveMarket(standin.api_base, standin.ws_stream_url, [SYMBOL], stale_after=2.0)
    await market.prepare()
    exchange = SimServer(faults=FaultConfig(ack_latency_ms=5), feed=market)
    await exchange.start()
    account = exchange.create_account()
    shadow = Shadow(standin, exchange, account.user)
    try:
        yield standin, exchange, account, shadow, log
    finally:
        await exchange.stop()
        await market.aclose()
        await standin.stop()


def bps(price: Decimal, n: str) -> Decimal:
    return (price * (1 + Decimal(n) / 10000)).quantize(Decimal("0.01"))


class Script:
    """The test's hand on the stand-in's market, and its view of when all is settled."""

    def __init__(self, standin, exchange, account, shadow, engine: Engine) -> None:
        self.standin, self.exchange, self.account = standin, exchange, account
        self.shadow, self.engine = shadow, engine
        self.crossed: list[str] = []  # cl_ord_ids of the quotes a move crossed

    def truth(self) -> dict:
        return self.exchange.exchange.stats(self.account.user)["symbols"][SYMBOL]

    def resting(self) -> dict[Side, SimOrder]:
        orders = self.exchange.exchange.matching.accounts[self.account.user].live_orders(SYMBOL)
        return {o.side: o for o in orders if o.status == "open"}

    def settled(self) -> bool:
        """The paper exchange shows the stand-in's market, the bot quotes one order a side,
        confirmed, resting on the paper exchange and in the shadow, and nothing in flight."""
        ours = self.exchange.exchange.matching.accounts[self.account.user].live_orders(SYMBOL)
        tracker = self.engine.tracker.live()
        return (
            self.exchange.exchange.market.get(SYMBOL).mid == self.standin_mid
            and len(ours) == 2
            and {o.side for o in ours} == {Side.BUY, Side.SELL}
            and all(o.status == "open" and self.shadow.mirror[o.id].live for o in ours)
            and len(tracker) == 2
            and all(o.state is OrderState.OPEN for o in tracker)
        )

    @property
    def standin_mid(self) -> Decimal:
        return self.standin.exchange.market.get(SYMBOL).mid

    async def settle_and_hold(self) -> None:
        await wait_until(self.settled, 10, "the bot quoting on the paper exchange's market")
        target = self.truth()["in_band_seconds"] + HOLD_SECONDS
        await wait_until(lambda: self.truth()["in_band_seconds"] >= target, 10, "a hold")

    def move(self, how: str) -> None:
        quotes = self.resting()
        if how == "cross bid":
            mid = bps(quotes[Side.BUY].limit_price, "-2")
            self.crossed.append(quotes[Side.BUY].cl_ord_id)
        elif how == "cross ask":
            mid = bps(quotes[Side.SELL].limit_price, "2")
            self.crossed.append(quotes[Side.SELL].cl_ord_id)
        elif how == "up":  # 1.5 bps, or as far as 1 bps short of the ask
            mid = min(bps(self.standin_mid, "1.5"), bps(quotes[Side.SELL].limit_price, "-1"))
        else:
            mid = max(bps(self.standin_mid, "-1.5"), bps(quotes[Side.BUY].limit_price, "1"))
        self.standin.exchange.market.set_mid(SYMBOL, mid)  # the mark snaps to it


async def test_a_paper_bot_sends_nothing_private_and_meets_what_the_simulator_would(paper):
    standin, exchange, account, shadow, log = paper
    await save_config("paper", **PAPER_CONFIG)
    signer = RequestSigner(account.private_key)
    rest = StandXRest(exchange.api_base, token=account.token, signer=signer)
    feed = SharedFeed(exchange.ws_stream_url, account.token, "account paper", stale_after=2.0)
    engine = Engine("paper", rest, feed, "paper", FAST_OPTIONS)
    running = Running(engine, rest)
    script = Script(standin, exchange, account, shadow, engine)
    for how in MOVES:
        await script.settle_and_hold()
        script.move(how)
    await script.settle_and_hold()
    fills = script.truth()["fills"]
    await wait_until(
        lambda: (bus.latest_snapshot("paper") or {}).get("ops", {}).get("fills") == fills,
        5,
        "the bot reporting every fill",
    )
    reported = bus.latest_snapshot("paper")
    paper_truth, shadow_truth = script.truth(), shadow.truth()
    await running.stop()

    # 1. The stand-in saw public market data only.
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines, "the request log is empty: the paper exchange never read the market"
    assert {line["kind"] for line in lines} == {"http"}  # no ws auth, account channel, ws-api
    assert {(line["method"], line["path"]) for line in lines} <= {
        ("GET", path) for path in PUBLIC_PATHS
    }
    assert not [line for line in lines if line.get("bearer") or line.get("signed")]
    assert all(line["account"] is None for line in lines)

    # 2. The same orders, the same outcomes.
    filled = filled_on(exchange, account.user)
    assert filled == set(script.crossed) == shadow.filled()  # every crossed quote, no other
    assert paper_truth["fills"] == shadow_truth["fills"] == len(script.crossed)
    assert shadow.rejected == 0
    late = fill_delays(exchange, account.user, shadow)
    # A twin rests and leaves within the same call as its original, microseconds later.
    mirroring = MIRROR_SECONDS * len(shadow.mirror)
    in_band_gap = paper_truth["in_band_seconds"] - shadow_truth["in_band_seconds"]
    assert -mirroring <= in_band_gap <= sum(late) + mirroring, (in_band_gap, late)
    assert paper_truth["in_band_seconds"] >= HOLD_SECONDS * (len(MOVES) + 1)

    # 3. The bot reports them: every fill, and no more in-band time than it had.
    assert reported["mode"] == "paper" and reported["ops"]["fills"] == fills
    assert 0 < reported["ops"]["in_band_seconds"] <= paper_truth["in_band_seconds"] + 0.01


def fill_delays(exchange: SimServer, user: str, shadow: Shadow) -> list[float]:
    """For each filled order: how much later the paper exchange filled it than the
    simulator (the moment the moved book reached it)."""
    orders = exchange.exchange.matching.accounts[user].orders.values()
    return [
        o.updated_at - shadow.mirror[o.id].updated_at
        for o in orders
        if o.status == "filled" and o.id in shadow.mirror
    ]
