"""Order types beyond ALO: market orders and crossing GTC take liquidity at the touch,
IOC that does not cross is canceled, reduce-only must reduce, leverage changes margin."""

from __future__ import annotations

from decimal import Decimal

from tests.trading.sim.helpers import Stream, alo


def _order(**fields) -> dict:
    return {
        "symbol": "BTC-USD",
        "order_type": "limit",
        "qty": "0.0100",
        "reduce_only": False,
        **fields,
    }


async def test_market_order_fills_at_the_best_ask(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    r = await api.post(
        "/api/new_order",
        _order(side="buy", order_type="market", price="0", time_in_force="ioc", cl_ord_id="m"),
    )
    assert r.status_code == 200, r.text
    filled = await stream.order_status("m", "filled")
    assert Decimal(filled["fill_avg_price"]) == Decimal("66000.02")
    [pos] = await api.positions()
    assert Decimal(pos["qty"]) == Decimal("0.01")
    await stream.close()


async def test_ioc_that_does_not_cross_is_canceled(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    await api.post(
        "/api/new_order", _order(side="buy", price="65000.00", time_in_force="ioc", cl_ord_id="i")
    )
    await stream.order_status("i", "canceled")
    await stream.close()


async def test_reduce_only_needs_a_position_to_reduce(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    r = await api.post("/api/new_order", alo("sell", "66100.00", reduce_only=True))
    assert r.status_code == 400 and "reduce" in r.json()["message"]
    await api.post(
        "/api/new_order", _order(side="buy", price="66000.02", time_in_force="gtc", cl_ord_id="g")
    )
    await stream.order_status("g", "filled")
    r = await api.post(
        "/api/new_order", alo("sell", "66100.00", qty="0.0100", reduce_only=True, cl_ord_id="ro")
    )
    assert r.status_code == 200
    await stream.order_status("ro", "open")
    r = await api.post("/api/new_order", alo("sell", "66100.00", qty="0.0001", reduce_only=True))
    assert r.status_code == 400  # the first reduce-only order already covers it
    await stream.close()


async def test_reduce_only_allows_the_position_less_our_other_reduce_only_orders(sim, api):
    """StandX's rule (docs/standx-protocol.md, new_order reduce_only): max qty = position
    qty - other pending reduce-only qty, an order whose cancel is in flight included."""

    async def reduce_only(qty: str, cl_ord_id: str) -> int:
        order = alo("sell", "66100.00", qty=qty, reduce_only=True, cl_ord_id=cl_ord_id)
        return (await api.post("/api/new_order", order)).status_code

    stream = await Stream.open(sim.ws_stream_url, api.token)
    await api.post(
        "/api/new_order", _order(side="buy", price="66000.02", time_in_force="gtc", cl_ord_id="g")
    )
    await stream.order_status("g", "filled")  # long 0.0100
    assert await reduce_only("0.0060", "ro1") == 200
    await stream.order_status("ro1", "open")
    assert await reduce_only("0.0041", "ro2") == 400  # 0.0001 more than is left
    assert await reduce_only("0.0040", "ro2") == 200  # exactly what is left
    sim.exchange.set_faults(ack_latency_ms=300)
    assert (await api.post("/api/cancel_order", {"cl_ord_id": "ro1"})).status_code == 200
    assert await reduce_only("0.0060", "ro3") == 400  # ro1 counts until its cancel lands
    await stream.order_status("ro1", "canceled")
    assert await reduce_only("0.0060", "ro3") == 200
    await stream.close()


async def test_leverage_sets_the_margin_an_order_locks(sim, api):
    assert (
        await api.post("/api/change_leverage", {"symbol": "BTC-USD", "leverage": 20})
    ).status_code == 200
    stream = await Stream.open(sim.ws_stream_url, api.token)
    await api.post("/api/new_order", alo("buy", "65000.00", qty="1.0000", cl_ord_id="l"))
    opened = await stream.order_status("l", "open")
    assert Decimal(opened["avail_locked"]) == Decimal("3250") and opened["leverage"] == "20"
    r = await api.post("/api/change_leverage", {"symbol": "BTC-USD", "leverage": 10})
    assert r.status_code == 400 and "open" in r.json()["message"]
    await stream.close()
