"""Paper mode against the simulator standing in for StandX: the real engine trades on the
paper exchange (trading/fleet/paper.py's: the simulator following a market,
trading/sim/feed.py) fed by the stand-in's PUBLIC streams and REST only.

1. Nothing private reaches the stand-in: its request log (runsim --log-requests) holds only
   unauthenticated GETs of public market data, none with a bearer token or a signature, and
   no account-stream or ws-api frame.
2. What the paper bot reports matches what the same orders met in the simulator's own
   matching. The comparison: every order the paper exchange rests is placed, at that moment,
   at its price and size, in a second ("shadow") account of the stand-in's own matching
   engine on the stand-in's own market, and cancelled when the bot cancels it; that matching
   fills it by its own rules (the mid through the price, takers at the touch). The paper
   exchange cannot see the market that directly: it sees what the public streams published
   (a push later, books two ticks either side of the mid), so the two differ by timing only.
   Stated tolerance, from measured runs: the paper exchange's in-band seconds within 3 % of
   the simulator's (measured 0.0-0.6 %), its fills within 25 % or 3 (measured 0-3 of 12-16,
   the simulator one crossing ahead at times: it fills on the mid, the paper exchange on the
   published book); the bot reports the paper exchange's fills and its in-band time as it
   does in sim mode (below).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import FAST_OPTIONS, SYMBOL, Running, save_config, wait_until
from trading import bus
from trading.engine.engine import Engine
from trading.engine.feeds import SharedFeed
from trading.marketdata.live import LiveMarket
from trading.sim.accounts import Account, SimOrder
from trading.sim.faults import FaultConfig
from trading.sim.matching import Matching
from trading.sim.runner import SimServer
from trading.sim.validation import OrderRequest
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_PATHS = {"/api/query_symbol_info", "/api/query_depth_book", "/api/query_symbol_price"}
RUN_SECONDS = 20.0
# Quotes 3 bps from the mid in a market of ~4.5 bps/sqrt(s): fills every few seconds.
PAPER_CONFIG = {"spread_bps": Decimal("3"), "requote_threshold_bps": Decimal("2")}


class Discard:
    """The shadow account's events go nowhere: nobody subscribes to it."""

    def order_event(self, order) -> None: ...
    def trade_event(self, user, trade) -> None: ...
    def position_event(self, user, position) -> None: ...
    def balance_event(self, user) -> None: ...
    def public_trade(self, trade) -> None: ...
    def session_result(self, session_id, request_id, code, message) -> None: ...


class Shadow:
    """The paper exchange's orders, mirrored into the stand-in's own matching engine."""

    USER = "shadow"

    def __init__(self, standin: SimServer) -> None:
        exchange = standin.exchange
        self.matching = Matching(exchange.config, exchange.market, Discard())
        self.account = Account(self.USER, "0x0", b"", Decimal("10000000"))
        self.matching.accounts[self.USER] = self.account
        self.mirror: dict[int, SimOrder] = {}  # paper order id -> its shadow
        self.rejected = 0  # already crossing in the stand-in's own market when mirrored
        # The stand-in's synthetic takers reach the shadow's orders too.
        takers = exchange.matching.on_taker_trade

        def both(trade) -> None:
            takers(trade)
            self.matching.take_at_touch(trade)

        # The stand-in calls its matching's on_taker_trade for each synthetic taker.
        exchange.matching.on_taker_trade = both  # type: ignore[method-assign]

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


@pytest.fixture
async def paper(tmp_path):
    """The stand-in (a walking market, its requests logged), the paper exchange following
    its public market, a funded paper account, and the shadow: (standin, exchange, account,
    shadow, log path)."""
    log = tmp_path / "standin-requests.jsonl"
    standin = SimServer(
        seed=11,
        volatility_bps=1.0,
        step_interval=0.05,
        push_interval=0.05,
        taker_trade_probability=0.2,
        log_requests=str(log),
    )
    await standin.start()
    market = LiveMarket(standin.api_base, standin.ws_stream_url, [SYMBOL], stale_after=2.0)
    await market.prepare()
    exchange = SimServer(faults=FaultConfig(ack_latency_ms=5), feed=market)
    await exchange.start()
    account = exchange.create_account()
    shadow = Shadow(standin)
    events = exchange.exchange.order_event

    def mirrored(order: SimOrder) -> None:
        events(order)
        if order.user == account.user:
            shadow.follow(order)

    exchange.exchange.order_event = mirrored  # every order event of the paper exchange
    try:
        yield standin, exchange, account, shadow, log
    finally:
        await exchange.stop()
        await market.aclose()
        await standin.stop()


async def test_a_paper_bot_sends_nothing_private_and_meets_what_the_simulator_would(paper):
    standin, exchange, account, shadow, log = paper
    await save_config("paper", **PAPER_CONFIG)
    rest = StandXRest(
        exchange.api_base, token=account.token, signer=RequestSigner(account.private_key)
    )
    feed = SharedFeed(exchange.ws_stream_url, account.token, "account paper", stale_after=0.6)
    running = Running(Engine("paper", rest, feed, "paper", FAST_OPTIONS), rest)
    truth = lambda: exchange.exchange.stats(account.user)["symbols"][SYMBOL]  # noqa: E731
    await wait_until(lambda: truth()["in_band_seconds"] > 0, 10, "the paper bot in band")
    await wait_until(
        lambda: truth()["observed_seconds"] >= RUN_SECONDS, RUN_SECONDS + 10, "the run"
    )
    reported = bus.latest_snapshot("paper")
    paper_truth, shadow_truth = truth(), shadow.truth()
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
    followers = [c for c in standin.exchange.hub.connections if c.subs]
    assert followers == [] or all(c.user is None for c in followers)

    # 2. What the paper bot reports, against the simulator's own matching of its orders.
    assert reported is not None and reported["mode"] == "paper"
    ops = reported["ops"]
    in_band = {
        "bot": ops["in_band_seconds"],
        "paper exchange": paper_truth["in_band_seconds"],
        "simulator": shadow_truth["in_band_seconds"],
    }
    fills = {
        "bot": ops["fills"],
        "paper exchange": paper_truth["fills"],
        "simulator": shadow_truth["fills"],
    }
    both = shadow.filled() & paper_filled(exchange, account.user)
    print(f"in band s {in_band}; fills {fills}; orders {len(shadow.mirror)}, filled in both "
          f"{len(both)}, rejected when mirrored {shadow.rejected}")  # fmt: skip
    assert len(shadow.mirror) >= 4 and shadow_truth["fills"] >= 2  # the run meant something
    # The paper exchange's matching against the simulator's own, on the same orders.
    assert in_band["paper exchange"] == pytest.approx(in_band["simulator"], rel=0.03)
    assert abs(fills["paper exchange"] - fills["simulator"]) <= max(3, 0.25 * fills["simulator"])
    # The bot's report of the paper exchange: every fill (the snapshot may be one behind), and
    # in-band time as the bot counts it in any mode: confirmed resting orders only, so a
    # little less than the exchange's when it requotes this often (7-10 % here, also
    # against the simulator directly; within 2 % in a calm market, test_reward_estimate.py).
    assert fills["paper exchange"] - 1 <= fills["bot"] <= fills["paper exchange"]
    assert 0.85 * in_band["paper exchange"] <= in_band["bot"] <= 1.02 * in_band["paper exchange"]


def paper_filled(exchange: SimServer, user: str) -> set[str]:
    account = exchange.exchange.matching.accounts[user]
    return {o.cl_ord_id for o in account.orders.values() if o.fill_qty > 0}
