"""An ALO order is acknowledged at once, then appears open on the order channel; a cancel
makes it canceled; an ALO that would cross is acknowledged and then rejected."""

from __future__ import annotations

from tests.trading.sim.helpers import Stream, alo


async def test_alo_opens_then_cancels(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    r = await api.post("/api/new_order", alo("buy", "65900.00", cl_ord_id="bid-1"))
    assert r.status_code == 200
    assert r.json()["code"] == 0 and r.json()["message"] == "success"
    opened = await stream.order_status("bid-1", "open")
    assert opened["side"] == "buy" and opened["price"] == "65900.00"
    assert isinstance(opened["id"], int)
    assert [o["cl_ord_id"] for o in await api.open_orders()] == ["bid-1"]

    r = await api.post("/api/cancel_order", {"order_id": opened["id"], "cl_ord_id": "bid-1"})
    assert r.json()["code"] == 0
    await stream.order_status("bid-1", "canceled")
    assert await api.open_orders() == []
    await stream.close()


async def test_crossing_alo_is_acked_then_rejected(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    # The synthetic best ask is 66000.02: a bid there would take liquidity.
    r = await api.post("/api/new_order", alo("buy", "66000.02", cl_ord_id="cross-1"))
    assert r.status_code == 200 and r.json()["code"] == 0
    rejected = await stream.order_status("cross-1", "rejected")
    assert rejected["fill_qty"] == "0"
    assert await api.open_orders() == []
    await stream.close()


async def test_alo_crossing_own_resting_order_is_rejected(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    await api.post("/api/new_order", alo("sell", "66000.01", cl_ord_id="ask-1"))
    await stream.order_status("ask-1", "open")
    await api.post("/api/new_order", alo("buy", "66000.01", cl_ord_id="bid-x"))
    await stream.order_status("bid-x", "rejected")
    await stream.close()


async def test_cl_ord_id_is_generated_when_missing(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    body = alo("sell", "66100.00")
    r = await api.post("/api/new_order", body)
    assert r.json()["code"] == 0
    frame = await stream.wait_for(lambda f: f.get("channel") == "order")
    assert len(frame["data"]["cl_ord_id"]) == 26
    assert frame["data"]["status"] == "open"
    by_cl = await api.get("/api/query_order", cl_ord_id=frame["data"]["cl_ord_id"])
    assert by_cl.json()["id"] == frame["data"]["id"]
    await stream.close()


async def test_spaced_json_and_unknown_fields_are_accepted(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    import json

    body = json.dumps(
        alo(
            "buy",
            "65000.00",
            cl_ord_id="spaced",
            margin_mode="cross",
            leverage=10,
            some_future_field="x",
        )
    )  # default separators: spaces
    r = await api.post("/api/new_order", body)
    assert r.status_code == 200, r.text
    await stream.order_status("spaced", "open")
    await stream.close()


async def test_cancel_orders_batch(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    for i, price in enumerate(("65800.00", "65810.00")):
        await api.post("/api/new_order", alo("buy", price, cl_ord_id=f"b{i}"))
        await stream.order_status(f"b{i}", "open")
    r = await api.post("/api/cancel_orders", {"cl_ord_id_list": ["b0", "b1"]})
    assert r.json()["code"] == 0
    await stream.order_status("b0", "canceled")
    await stream.order_status("b1", "canceled")
    await stream.close()
