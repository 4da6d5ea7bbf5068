"""SimServer: the simulator as a real uvicorn server inside the current event loop.

async with SimServer(seed=42) as sim:
    acct = sim.create_account()
    ... talk to sim.api_base / sim.ws_stream_url / sim.ws_api_url ...
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from decimal import Decimal

import uvicorn

from trading.marketdata.frames import MarketSource
from trading.sim.config import SimConfig
from trading.sim.exchange import Exchange, SimAccount
from trading.sim.faults import FaultConfig
from trading.sim.feed import feed_options
from trading.sim.reference_venue import HYPERLIQUID_PATH
from trading.sim.server import build_app

log = logging.getLogger(__name__)
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0


def require_loopback(host: str) -> None:
    """The simulator hands out funded accounts to anyone: it must never leave the machine."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise ValueError(
            f"the simulator binds to loopback only (127.0.0.1, ::1 or localhost), not {host!r}"
        )


class SimServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 42,
        faults: FaultConfig | None = None,
        log_level: str = "warning",
        feed: MarketSource | None = None,
        **options,
    ) -> None:
        """`feed`: a market to follow instead of the random walk (a recording or StandX's
        public streams, trading/sim/feed.py); its symbols and fees become the simulator's."""
        require_loopback(host)
        self.host, self.port = host, port
        if feed is not None:
            options = feed_options(feed, options)
        self.config = SimConfig.from_options(seed=seed, **options)
        self._exchange = Exchange(self.config, faults, feed)
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    # ---- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        config = uvicorn.Config(
            build_app(self._exchange),
            host=self.host,
            port=self.port,
            log_level=self._log_level,
            lifespan="off",
            access_log=False,
            ws_ping_interval=self.config.ping_interval,
            ws_ping_timeout=self.config.pong_timeout,
            timeout_graceful_shutdown=2,
        )
        server = self._server = uvicorn.Server(config)
        task = self._task = asyncio.create_task(server.serve(), name="sim-uvicorn")
        await self._wait_started(server, task)
        sock = server.servers[0].sockets[0]
        self.port = sock.getsockname()[1]
        self._exchange.start()

    @staticmethod
    async def _wait_started(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT_S
        while not server.started:
            if task.done():
                task.result()  # re-raise the startup error (e.g. port in use)
                raise RuntimeError("simulator server exited during startup")
            if loop.time() > deadline:
                raise TimeoutError("simulator server did not start in time")
            await asyncio.sleep(0.01)

    async def serve_forever(self) -> None:
        """For runsim: until uvicorn exits (it handles SIGINT/SIGTERM), then clean up."""
        assert self._task is not None
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self.stop()

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self._exchange.stop()
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_TIMEOUT_S)
        except (TimeoutError, asyncio.CancelledError):
            self._server.force_exit = True
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._task, 1.0)
        except Exception:
            log.exception("simulator server stopped with an error")
        self._server = None

    async def __aenter__(self) -> SimServer:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # ---- accessors -------------------------------------------------------------------------
    @property
    def exchange(self) -> Exchange:
        return self._exchange

    @property
    def api_base(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def ws_stream_url(self) -> str:
        return self.api_base.replace("http://", "ws://") + "/ws-stream/v1"

    @property
    def ws_api_url(self) -> str:
        return self.api_base.replace("http://", "ws://") + "/ws-api/v1"

    def reference_ws_url(self, feed: str) -> str:
        """Where a reference feed (REFERENCE_FEED binance|hyperliquid) finds this simulator's
        reference venue, as REFERENCE_WS_URL: Binance's base (the feed adds
        /ws/<symbol>@bookTicker) or Hyperliquid's endpoint itself."""
        base = self.api_base.replace("http://", "ws://")
        return {"binance": base, "hyperliquid": base + HYPERLIQUID_PATH}[feed]

    def create_account(self, balance: Decimal | str | None = None) -> SimAccount:
        return self._exchange.create_account(balance)
