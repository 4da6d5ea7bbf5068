"""Record the simulator's public market, replay it: the replay's books, marks and trades are
the recorded ones, in order, at their recorded pace; a stream outage is a gap followed by a
fresh REST snapshot; a second run resumes the file; the repository's recording replays
frame for frame. Real recorder, real simulator (as the market and as the replay), loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.trading.marketdata.helpers import (
    EVERY_SOURCE,
    sequences,
    slice_at,
    without_repeat_at_start,
)
from trading.marketdata.frames import REST, Gap, MarketFrame
from trading.marketdata.recorder import Plan, record
from trading.marketdata.recording import End, read_items
from trading.marketdata.replay import Replay
from trading.sim.runner import SimServer

ROOT = Path(__file__).resolve().parents[3]
REPOSITORY_RECORDING = ROOT / "bench" / "markets" / "sim-volatile-2m.jsonl.gz"
CHANNELS = ("depth_book", "price", "public_trade")


@pytest.fixture
async def market():
    """A walking market with takers, pushing every 50 ms."""
    sim = SimServer(
        seed=5,
        volatility_bps=1.0,
        step_interval=0.05,
        push_interval=0.05,
        taker_trade_probability=0.3,
    )
    await sim.start()
    yield sim
    await sim.stop()


def plan(sim: SimServer, out: Path, seconds: float) -> Plan:
    return Plan(
        "BTC-USD", seconds / 60, out, 10**8, sim.api_base, sim.ws_stream_url, stale_after=2.0
    )


async def replayed(recording: Path, out: Path, speed: float) -> dict[str, list]:
    """Replay `recording` in a simulator and record what its stream delivers, from its
    start to a second past its end."""
    source = Replay(recording, speed=speed)
    sim = SimServer(feed=source)
    await sim.start()
    try:
        await record(plan(sim, out, source.duration_s / speed + 1.0), print)
        assert source.finished
    finally:
        await sim.stop()
    return sequences(out)


def assert_same_in_order(recorded: dict[str, list], replay: dict[str, list]) -> None:
    """Each channel's replayed frames are a run of the recorded ones, from (about) the first
    (the recorder of the replay subscribes a moment after it began) to the last."""
    for channel in CHANNELS:
        part = without_repeat_at_start(replay[channel])
        at = slice_at(recorded[channel], part)
        assert at is not None, f"{channel}: the replay is not the recording, in order"
        assert at <= 3 and at + len(part) == len(recorded[channel]), (channel, at, len(part))


async def test_a_replay_gives_the_recorded_books_marks_and_trades_in_order(market, tmp_path):
    original = tmp_path / "market.jsonl.gz"
    said: list[str] = []
    line = await record(plan(market, original, 5.0), said.append)
    assert line.startswith("recorded BTC-USD for 0.1 min") and "(the time was up)" in line
    recorded = sequences(original, EVERY_SOURCE)
    assert len(recorded["depth_book"]) > 50 and len(recorded["public_trade"]) > 10
    stream_times = [i.at for i in read_items(original) if isinstance(i, MarketFrame)]
    assert stream_times == sorted(stream_times)  # arrival times, in order

    copy = tmp_path / "replayed.jsonl.gz"
    assert_same_in_order(recorded, await replayed(original, copy, speed=1.0))
    # At the recorded pace: each frame waits for its recorded offset, so the replay spans
    # (about: it began before its recorder subscribed) what the recording did, never less.
    span = [i.at for i in read_items(copy) if isinstance(i, MarketFrame) and i.source != REST]
    recorded_span = stream_times[-1] - stream_times[0]
    assert 0.9 * recorded_span <= span[-1] - span[0] <= recorded_span + 2.0


async def test_a_stream_outage_is_a_gap_then_a_fresh_snapshot(market, tmp_path):
    out = tmp_path / "outage.jsonl.gz"
    recording = asyncio.create_task(record(plan(market, out, 3.0), print))
    async with asyncio.timeout(5):  # the recorder's stream is subscribed: cut it
        while not any(c.subs for c in market.exchange.hub.connections):
            await asyncio.sleep(0.01)
    market.exchange.hub.close_all(1011, "connection dropped (test)")
    line = await recording
    assert "1 gaps" in line
    items = [i for i in read_items(out) if not isinstance(i, End)]
    [at] = [n for n, i in enumerate(items) if isinstance(i, Gap)]
    gap = items[at]
    assert gap.seconds > 0 and gap.reason.startswith("stream down")
    after = items[at + 1 : at + 3]
    assert [(f.channel, f.source) for f in after] == [("depth_book", REST), ("price", REST)]
    assert all(f.at >= gap.end for f in after)
    assert any(isinstance(i, MarketFrame) and i.source != REST for i in items[at + 3 :])


async def test_a_second_run_resumes_the_file_with_the_gap_marked(market, tmp_path):
    out = tmp_path / "resumed.jsonl.gz"
    await record(plan(market, out, 1.0), print)
    out.write_bytes(out.read_bytes()[:-20])  # killed while writing its last member
    said: list[str] = []
    await record(plan(market, out, 1.0), said.append)
    assert said[0].startswith(f"resuming {out}")
    items = list(read_items(out))
    gaps = [i for i in items if isinstance(i, Gap)]
    assert len(gaps) == 1 and gaps[0].reason == "recorder not running, its last write cut short"
    assert [i for i in items if isinstance(i, End)][-1].reason == "the time was up"
    times = [i.at for i in items if isinstance(i, MarketFrame)]
    assert times == sorted(times)
    assert min(t for t in times if t >= gaps[0].end) - gaps[0].start > 0


async def test_the_repository_recording_replays_frame_for_frame(tmp_path):
    """bench/markets/sim-volatile-2m.jsonl.gz: two minutes recorded with `manage.py
    recordmarket` from `runsim --scenario volatile --push-interval 0.4 --seed 7` (no real
    StandX recording can be made here), played eight times faster."""
    recorded = sequences(REPOSITORY_RECORDING, EVERY_SOURCE)
    assert len(recorded["depth_book"]) >= 250 and len(recorded["public_trade"]) >= 100
    copy = tmp_path / "replayed.jsonl.gz"
    assert_same_in_order(recorded, await replayed(REPOSITORY_RECORDING, copy, speed=8.0))
