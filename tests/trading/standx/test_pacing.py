"""The client paces itself under the documented credit budget instead of drawing 429s."""

import asyncio
from decimal import Decimal

import pytest

from trading.core.domain import Side
from trading.sim.runner import SimServer
from trading.standx.pacing import CREDITS_PER_REQUEST, CreditPacer, ip_budget
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner


class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.parametrize("headroom", [1.0, 0.9])
async def test_private_burst_is_capped_then_paced_at_the_refill_rate(headroom):
    fake = FakeTime()
    pacer = CreditPacer(headroom=headroom, clock=fake.clock, sleep=fake.sleep)
    burst = int(900 * headroom // CREDITS_PER_REQUEST)
    for _ in range(burst):
        await pacer.acquire(private=True)
    assert fake.slept == []  # the whole burst fits the bucket
    await pacer.acquire(private=True)
    assert fake.slept, "the request past the burst must wait"
    start = fake.now
    for _ in range(100):
        await pacer.acquire(private=True)
    rate = 100 / (fake.now - start)
    assert rate == pytest.approx(1000 * headroom / CREDITS_PER_REQUEST, rel=0.02)


async def test_public_requests_are_held_to_the_per_ip_rate():
    fake = FakeTime()
    pacer = CreditPacer(headroom=1.0, clock=fake.clock, sleep=fake.sleep)
    for _ in range(50):
        await pacer.acquire(private=False)
    start = fake.now
    for _ in range(50):
        await pacer.acquire(private=False)
    assert fake.now - start == pytest.approx(1.0, rel=0.02)


async def test_sixty_rapid_orders_against_the_rate_limited_simulator_never_get_429():
    async with SimServer(port=0, seed=3) as sim:
        account = sim.create_account()
        async with StandXRest(
            sim.api_base,
            token=account.token,
            signer=RequestSigner(account.private_key),
            max_retries=0,
        ) as rest:
            mid = (await rest.query_symbol_price("BTC-USD")).mid_price
            price = (mid * Decimal("0.9")).quantize(Decimal("0.01"))
            sends = [
                rest.new_order("BTC-USD", Side.BUY, Decimal("0.0001"), price, f"pace-{i}")
                for i in range(60)
            ]
            acks = await asyncio.wait_for(asyncio.gather(*sends), 30)
        assert all(ack.code == 0 for ack in acks)
        assert rest.stats.errors.get("RateLimitError", 0) == 0
        assert rest.pacer.waited_seconds > 0  # the burst really was paced, not lucky


async def test_pacers_of_several_accounts_share_the_ip_budget():
    """One process, two accounts: the exchange counts the IP's requests, not each account's."""
    fake = FakeTime()
    shared = ip_budget(headroom=1.0, clock=fake.clock)
    pacers = [
        CreditPacer(headroom=1.0, clock=fake.clock, sleep=fake.sleep, ip=shared) for _ in range(2)
    ]
    for i in range(50):  # the IP's burst, split between the accounts
        await pacers[i % 2].acquire(private=False)
    assert fake.slept == []
    start = fake.now
    for i in range(100):
        await pacers[i % 2].acquire(private=False)
    assert 100 / (fake.now - start) == pytest.approx(50, rel=0.02)  # not 2 x 50


async def test_a_429_holds_every_request_of_the_shared_budget_off():
    fake = FakeTime()
    shared = ip_budget(headroom=1.0, clock=fake.clock)
    told, other = (
        CreditPacer(headroom=1.0, clock=fake.clock, sleep=fake.sleep, ip=shared) for _ in range(2)
    )
    told.hold_off(2.0)
    start = fake.now
    await other.acquire(private=False)  # another account on the same IP waits too
    assert fake.now - start == pytest.approx(2.0 + 1 / 50, rel=0.01)
    await told.acquire(private=True)  # and the told account's own credits were held
    assert fake.now - start == pytest.approx(2.0 + CREDITS_PER_REQUEST / 1000, rel=0.01)
