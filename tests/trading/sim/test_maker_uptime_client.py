"""The real client reads the simulator's ground-truth maker uptime hours over loopback
(GET /api/maker/uptime), the way the engine reconciles its own figures with StandX's."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from trading.core.domain import Side
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner


async def test_the_client_reads_the_simulators_ground_truth_hours(sim):
    account = sim.create_account()
    rest = StandXRest(sim.api_base, token=account.token, signer=RequestSigner(account.private_key))
    try:
        sim.exchange.market.freeze(None)
        market = sim.exchange.market.get("BTC-USD")
        for side, price in (
            (Side.BUY, market.mid - 5 * market.tick),
            (Side.SELL, market.mid + 5 * market.tick),
        ):
            await rest.new_order("BTC-USD", side, Decimal("0.001"), price, f"t-{side.value}", "alo")
        await asyncio.sleep(1.0)
        hours = await rest.query_maker_uptime("BTC-USD")
    finally:
        await rest.aclose()
    assert len(hours) == 1
    ((hour, seconds),) = hours.items()
    assert hour % 3600 == 0 and 0.5 < seconds < 3600
