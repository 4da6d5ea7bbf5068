"""docs/standx-protocol.md §6 limits give HTTP 429: the per-account bucket (20-request burst), the
per-IP 50 requests/s. Requests are fired concurrently so the burst is what is measured."""

from __future__ import annotations

import asyncio

import httpx

from tests.trading.sim.helpers import Api


async def test_account_bucket_gives_429_after_the_burst(make_sim):
    # A near-zero refill makes the burst exact: 900 credits / 45 per request = 20 requests.
    sim = await make_sim(ip_requests_per_s=10_000, credits_refill_per_s=1)
    acct = sim.create_account()
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=10.0) as http:
        api = Api(http, acct.token, acct.private_key)
        replies = await asyncio.gather(*(api.get("/api/query_balance") for _ in range(60)))
        codes = [r.status_code for r in replies]
        assert codes.count(200) == 20 and codes.count(429) == 40
        limited = next(r for r in replies if r.status_code == 429)
        assert limited.json()["code"] == 429
        other = sim.create_account()  # buckets are per account
        r = await http.get("/api/query_balance", headers={"Authorization": f"Bearer {other.token}"})
        assert r.status_code == 200


async def test_ip_limit_gives_429(make_sim):
    sim = await make_sim()
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=10.0) as http:
        replies = await asyncio.gather(*(http.get("/api/query_symbol_info") for _ in range(80)))
        codes = [r.status_code for r in replies]
        assert codes.count(200) >= 50 and 429 in codes
        # Simulator controls are never limited: tests and tools can always reach them.
        assert (await http.get("/sim/faults")).status_code == 200


async def test_rate_limit_can_be_switched_off(make_sim):
    sim = await make_sim(rate_limit=False)
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=10.0) as http:
        replies = await asyncio.gather(*(http.get("/api/query_symbol_info") for _ in range(80)))
        assert {r.status_code for r in replies} == {200}


async def test_default_bucket_sustains_about_22_requests_per_second(make_sim):
    sim = await make_sim()
    acct = sim.create_account()
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=10.0) as http:
        api = Api(http, acct.token, acct.private_key)
        replies = await asyncio.gather(*(api.get("/api/query_balance") for _ in range(60)))
        codes = [r.status_code for r in replies]
        assert codes.count(200) >= 20 and 429 in codes


async def test_per_ip_limit_zero_lifts_it_and_keeps_the_account_bucket(make_sim):
    """What a bench of many accounts on 127.0.0.1 needs: no per-IP limit, accounts still
    limited (ip_requests_per_s=0, runsim --ip-requests-per-s 0)."""
    sim = await make_sim(ip_requests_per_s=0, credits_refill_per_s=1)
    acct = sim.create_account()
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=10.0) as http:
        replies = await asyncio.gather(*(http.get("/api/query_symbol_info") for _ in range(80)))
        assert {r.status_code for r in replies} == {200}
        api = Api(http, acct.token, acct.private_key)
        replies = await asyncio.gather(*(api.get("/api/query_balance") for _ in range(30)))
        assert [r.status_code for r in replies].count(429) == 10
