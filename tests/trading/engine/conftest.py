"""Engine tests run the REAL engine with the REAL client against the REAL simulator on
127.0.0.1, in the test's event loop. Assertions read the simulator's ground truth.

Every wait is bounded (asyncio.timeout); intervals are small so the suite stays fast."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async

from bench.localproc import migrate
from trading.core.domain import Side
from trading.engine.engine import Engine
from trading.engine.feeds import SharedFeed
from trading.engine.options import EngineOptions
from trading.models import BotConfig
from trading.sim.faults import FaultConfig
from trading.sim.runner import SimServer
from trading.standx.order_session import OrderResponseSession, SessionRequests
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner

ROOT = Path(__file__).resolve().parents[3]
SYMBOL = "BTC-USD"
MID = Decimal("66000")
PREFIX = "mmbot-"

# Tight, fast settings: quotes 5 bps from the mid (inside the 10 bps band), quick timers.
TEST_CONFIG = {
    "symbol": SYMBOL,
    "spread_bps": Decimal("5"),
    "bid_notional": Decimal("50"),
    "ask_notional": Decimal("50"),
    "refresh_interval": Decimal("0.1"),
    "requote_threshold_bps": Decimal("3"),
    "proximity_guard_bps": Decimal("1"),
    "max_notional": Decimal("100000"),
    "max_consecutive_failures": 3,
    "stale_order_seconds": Decimal("60"),
    "max_spread_deviation_bps": Decimal("50"),
    "uptime_target_minutes": 30,
    "uptime_band_bps": Decimal("10"),
    "requote_mode": "make_before_break",
}

FAST_OPTIONS = EngineOptions(
    feed_stale_seconds=0.6,
    reconcile_every=1.0,
    persist_every=0.5,
    snapshot_every=0.2,
    config_poll_every=0.3,
    pending_timeout=1.0,
    prefix=PREFIX,
)


async def wait_until(
    predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None


@dataclass
class World:
    """One test's world: the simulator, one funded account, and helpers on ground truth."""

    sim: SimServer
    token: str
    private_key: str
    user: str

    @property
    def exchange(self):
        return self.sim.exchange

    def truth(self, symbol: str = SYMBOL) -> dict:
        return self.exchange.stats(self.user)["symbols"][symbol]

    def open_orders(self, symbol: str | None = None) -> list:
        account = self.exchange.matching.accounts[self.user]
        return account.live_orders(symbol)

    def resting(self, symbol: str | None = None) -> list:
        return [o for o in self.open_orders(symbol) if o.status == "open"]

    def ours(self, symbol: str | None = None) -> list:
        return [o for o in self.open_orders(symbol) if o.cl_ord_id.startswith(PREFIX)]

    def sides_resting(self, symbol: str = SYMBOL) -> set[Side]:
        return {o.side for o in self.resting(symbol) if o.cl_ord_id.startswith(PREFIX)}

    def two_sided(self, symbol: str = SYMBOL) -> bool:
        return self.sides_resting(symbol) == {Side.BUY, Side.SELL}

    def rest_client(self, **kwargs) -> StandXRest:
        return StandXRest(
            self.sim.api_base, token=self.token, signer=RequestSigner(self.private_key), **kwargs
        )


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "sim(**options): SimServer options for the world fixture")


@pytest.fixture
async def world(request):
    marker = request.node.get_closest_marker("sim")
    options = dict(
        volatility_bps=0.0,
        jump_probability=0.0,
        taker_trade_probability=0.0,
        step_interval=0.05,
        push_interval=0.05,
    )
    options.update(marker.kwargs if marker else {})
    sim = SimServer(faults=FaultConfig(ack_latency_ms=5), **options)
    await sim.start()
    sim.exchange.market.freeze(None)  # tests script the mid themselves
    sim.exchange.market.set_mid(SYMBOL, MID)
    account = sim.create_account()
    try:
        yield World(sim, account.token, account.private_key, account.user)
    finally:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(10):
                await sim.stop()


@pytest.fixture
def data_dir(tmp_path, world) -> dict:
    """A migrated DATA_DIR and the environment for `manage.py runbot --no-sim` against the
    world's simulator (tests/trading/engine/test_runbot_process.py starts it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SQLITE_"))}
    env.update(
        {
            "DATA_DIR": str(tmp_path),
            "STANDX_MODE": "sim",
            "STANDX_API_BASE": world.sim.api_base,
            "STANDX_WS_URL": world.sim.ws_stream_url,
            "STANDX_JWT_TOKEN": world.token,
            "STANDX_ED25519_PRIVATE_KEY": world.private_key,
            "SPREAD_BPS": "5",
            "REFRESH_INTERVAL": "0.1",
            "REQUOTE_THRESHOLD_BPS": "3",
            "MAX_SPREAD_DEVIATION_BPS": "50",
            "FEED_STALE_SECONDS": "2",
            "LOG_LEVEL": "warning",
            "DJANGO_SETTINGS_MODULE": "mmsite.settings",
        }
    )
    migrate(env)
    return {"env": env, "db": tmp_path / "db.sqlite3", "log": tmp_path / "runbot.log"}


@sync_to_async
def save_config(bot: str = "default", **changes) -> None:
    values = {**TEST_CONFIG, **changes}
    BotConfig.objects.update_or_create(name=bot, defaults=values)


@sync_to_async
def run_state(bot: str = "default") -> tuple[str, str]:
    row = BotConfig.objects.get(name=bot)
    return row.run_state, row.state_reason


class Running:
    """An engine running as a task; stop() is the clean shutdown runbot does."""

    def __init__(self, engine: Engine, rest: StandXRest):
        self.engine, self.rest = engine, rest
        self.task = asyncio.create_task(engine.run(), name="engine-under-test")

    async def stop(self, timeout: float = 15.0) -> None:
        self.engine.request_shutdown()
        async with asyncio.timeout(timeout):
            await self.task
        await self.rest.aclose()

    async def abandon(self) -> None:
        """Like SIGKILL for an in-process engine: no clean stop at all."""
        self.task.cancel()
        with contextlib.suppress(BaseException):
            async with asyncio.timeout(5):
                await self.task
        await self.rest.aclose()


@pytest.fixture
async def start_engine(world):
    started: list[Running] = []

    async def factory(
        bot: str = "default",
        options: EngineOptions = FAST_OPTIONS,
        rest: StandXRest | None = None,
        token: str | None = None,
        feed: SharedFeed | None = None,
        order_responses: bool = False,
        **config,
    ) -> Running:
        """`order_responses`: link REST orders to a ws-api order-response session, as
        runbot does (trading/fleet/venues.py)."""
        await save_config(bot, **config)
        session = SessionRequests() if order_responses else None
        rest = rest or world.rest_client(timeout=2.0, max_retries=0, session=session)
        responses = (
            OrderResponseSession(world.sim.ws_api_url, token or world.token, session)
            if session is not None
            else None
        )
        feed = feed or SharedFeed(
            world.sim.ws_stream_url,
            token or world.token,
            f"account {bot}",
            stale_after=options.feed_stale_seconds,
            responses=responses,
        )
        engine = Engine(bot, rest, feed, "sim", options)
        running = Running(engine, rest)
        started.append(running)
        return running

    yield factory
    for running in started:
        if not running.task.done():
            with contextlib.suppress(Exception):
                await running.stop()
