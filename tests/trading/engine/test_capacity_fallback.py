"""When the exchange refuses the second order make-before-break needs (max open orders or
margin), that side falls back to cancel-first, the fallback is audited, and quoting goes on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from trading.models import OrderEvent

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def events(kind: str, containing: str = "") -> list[str]:
    return list(
        OrderEvent.objects.filter(kind=kind, message__contains=containing).values_list(
            "message", flat=True
        )
    )


@pytest.mark.sim(max_open_orders=2)
async def test_max_open_orders_falls_back_to_cancel_first(world, start_engine):
    running = await start_engine(requote_threshold_bps=Decimal("3"))
    await wait_until(world.two_sided, what="first quotes")
    first = {o.cl_ord_id for o in world.ours()}
    world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))
    await wait_until(
        lambda: world.two_sided() and not {o.cl_ord_id for o in world.ours()} & first,
        timeout=8,
        what="requoted despite the two-order limit",
    )
    assert len(world.open_orders()) <= 2
    await running.stop()  # flushes the audit log
    assert await events("reject"), "the refused second order is recorded"
    assert await events("info", "cancel-first"), "the fallback to cancel-first is recorded"
