"""Two runs of `runbot` on its bundled simulator, as a trader restarting `make run`: each
run's fill is kept. The simulator starts again at every run; its trade ids must not repeat,
or the bot's ledger (fills are unique per bot and trade id, and an id at or below the last
one stored is taken as already counted) drops the second run's fills from the fills panel
and the cost while the event log still shows them."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import httpx

from bench.localproc import HOST, migrate, stop_process
from bench.services import wait_for
from tests.trading.fleet.runbot_process import bundled_env, start_runbot

API_TOKEN = "restart-test-token-4c1d9e7b2a"


def environment(data_dir: Path) -> dict:
    return bundled_env(
        data_dir,
        API_TOKEN=API_TOKEN,
        SPREAD_BPS="5",
        REFRESH_INTERVAL="0.2",
        FLATTEN_ON_STOP="off",  # one fill a run, nothing more
    )


def stored_fills(db: Path) -> list[tuple[int, Decimal]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select trade_id, fee from trading_botfill order by trade_id")
        return [(trade_id, Decimal(str(fee))) for trade_id, fee in rows]


def our_bid(web: httpx.Client) -> Decimal | None:
    r = web.get("/api/orders")
    bids = [o for o in r.json()["orders"] if o["side"] == "buy" and o["state"] == "open"]
    return Decimal(bids[0]["price"]) if r.status_code == 200 and bids else None


def run_until_a_fill(env: dict, db: Path, log: Path) -> dict:
    """One runbot run: quotes, one bid filled by the mid trading through it, stored; the
    API's fills answer at that moment; then a clean stop."""
    before = len(stored_fills(db))
    process = start_runbot(env, log)
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    web = httpx.Client(base_url=f"http://{HOST}:{env['WEB_PORT']}", headers=headers, timeout=5)
    sim = httpx.Client(base_url=f"http://{HOST}:{env['SIM_PORT']}", timeout=5)
    try:
        wait_for(lambda: answers(lambda: our_bid(web)), "a resting bid", timeout=60)
        bid = our_bid(web)
        assert bid is not None
        r = sim.post(
            "/sim/market", json={"symbol": "BTC-USD", "frozen": True, "mid": str(bid - 20)}
        )
        assert r.status_code == 200, r.text
        wait_for(lambda: len(stored_fills(db)) > before, "the fill stored", timeout=30)
        fills = stored_fills(db)
        wait_for(
            lambda: web.get("/api/fills").json()["summary"]["today"] == len(fills),
            "the fills answer counting every stored fill",
            timeout=15,
        )
        return web.get("/api/fills").json()
    finally:
        web.close()
        sim.close()
        assert stop_process(process, timeout=30) == 0, log.read_text()[-3000:]


def answers(read) -> bool:
    try:
        return read() is not None
    except (httpx.HTTPError, ValueError):
        return False


def test_each_runs_fill_is_kept_across_a_simulator_restart(tmp_path):
    env = environment(tmp_path)
    migrate(env)
    db, log = tmp_path / "db.sqlite3", tmp_path / "runbot.log"
    first = run_until_a_fill(env, db, log)
    second = run_until_a_fill(env, db, log)

    fills = stored_fills(db)
    assert len(fills) >= 2 and first["count"] < second["count"] == len(fills)
    assert {f["trade_id"] for f in second["fills"]} == {trade_id for trade_id, _ in fills}
    # The fills panel's figures (the snapshot's "fills") count both runs' fills and fees.
    assert second["summary"]["today"] == len(fills)
    assert Decimal(second["summary"]["fees_today"]) == sum(fee for _, fee in fills)
