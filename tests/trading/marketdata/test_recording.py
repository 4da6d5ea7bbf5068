"""The recording file (trading/marketdata/recording.py): what is written reads back in
order; a recorder killed mid-write loses only the member it was writing, and resuming cuts
that back and marks the gap; a file of another symbol or no recording at all is refused and
left as it was; the size limit is seen."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from trading.marketdata.frames import Gap, MarketFrame
from trading.marketdata.recording import (
    MEMBER_SECONDS,
    End,
    Header,
    RecordingError,
    RecordingWriter,
    first_state,
    item_time,
    read_header,
    read_items,
    scan,
)


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


INFO = {"symbol": "BTC-USD", "price_tick_decimals": 2}
HEADER = Header("BTC-USD", INFO, "http://x", "ws://x", 1.0)


def book_frame(at: float, bid: str = "66000.00", source: str = "stream") -> MarketFrame:
    data = {"symbol": "BTC-USD", "bids": [[bid, "1"]], "asks": [["66001.00", "2"]]}
    return MarketFrame(at, "depth_book", "BTC-USD", data, source)


def price_frame(at: float, mark: str = "66000.50") -> MarketFrame:
    return MarketFrame(at, "price", "BTC-USD", {"symbol": "BTC-USD", "mark_price": mark})


def test_what_is_written_reads_back_in_order(tmp_path: Path):
    path, clock = tmp_path / "r.jsonl.gz", Clock()
    writer, resumed = RecordingWriter.open(path, HEADER, 10**6, clock)
    assert resumed is None
    items: list[MarketFrame | Gap] = [
        book_frame(10.0, source="rest"),
        price_frame(10.1),
        Gap(10.2, 13.0, "stream down: ConnectionClosed"),
        book_frame(13.1, bid="65990.00"),
    ]
    for item in items:
        writer.gap(item) if isinstance(item, Gap) else writer.frame(item)
    writer.end("the time was up")

    assert read_header(path) == HEADER
    read = list(read_items(path))
    assert read[:-1] == items and read[-1] == End(clock.now, "the time was up")
    assert writer.counts["depth_book"] == 2 and writer.counts["gaps"] == 1
    assert writer.gap_seconds == pytest.approx(2.8)
    assert first_state(path, "BTC-USD") == [items[0], items[1]]
    with gzip.open(path, "rt") as plain:  # any gzip reader reads it (members concatenate)
        assert len(plain.read().splitlines()) == 6


def test_a_member_cut_short_is_dropped_and_resuming_marks_the_gap(tmp_path: Path):
    path, clock = tmp_path / "r.jsonl.gz", Clock()
    writer, _ = RecordingWriter.open(path, HEADER, 10**6, clock)
    writer.frame(book_frame(10.0))
    clock.now += MEMBER_SECONDS  # the next record closes the member: on disk
    writer.frame(price_frame(11.0))
    whole = path.stat().st_size
    writer.frame(book_frame(12.0, bid="65000.00"))
    writer.flush()
    # The recorder dies while writing its last member: only part of it reached the disk.
    path.write_bytes(path.read_bytes()[: whole + (path.stat().st_size - whole) // 2])

    assert [item_time(i) for i in read_items(path)] == [10.0, 11.0]  # the cut one is dropped
    found = scan(path)
    assert found.truncated and found.whole_bytes == whole and found.last_time == 11.0

    clock.now = 50.0
    writer, resumed = RecordingWriter.open(path, HEADER, 10**6, clock)
    assert resumed is not None and resumed.last_time == 11.0
    writer.gap(Gap(resumed.last_time, clock.now, "recorder not running"))
    writer.frame(book_frame(50.1))
    writer.end("the time was up")
    items = list(read_items(path))
    assert [type(i).__name__ for i in items] == ["MarketFrame"] * 2 + ["Gap", "MarketFrame", "End"]
    assert items[2] == Gap(11.0, 50.0, "recorder not running")
    assert not scan(path).truncated


def test_a_recording_of_another_symbol_or_no_recording_is_refused_untouched(tmp_path: Path):
    path = tmp_path / "r.jsonl.gz"
    writer, _ = RecordingWriter.open(path, HEADER, 10**6, Clock())
    writer.frame(book_frame(10.0))
    writer.end("done")
    before = path.read_bytes()
    eth = Header("ETH-USD", {}, "http://x", "ws://x", 2.0)
    with pytest.raises(RecordingError, match="records BTC-USD, not ETH-USD"):
        RecordingWriter.open(path, eth, 10**6, Clock())
    assert path.read_bytes() == before

    other = tmp_path / "notes.jsonl.gz"
    other.write_bytes(gzip.compress(b'{"hello": 1}\n'))
    with pytest.raises(RecordingError, match="not a StandX market recording"):
        RecordingWriter.open(other, HEADER, 10**6, Clock())
    with pytest.raises(RecordingError, match="not a StandX market recording"):
        read_header(other)
    garbage = tmp_path / "garbage.gz"
    garbage.write_bytes(b"\x1f\x8b\x08\x00garbage that is no deflate stream")
    with pytest.raises(RecordingError):
        scan(garbage)


def test_the_writer_says_when_the_size_limit_is_reached(tmp_path: Path):
    path, clock = tmp_path / "r.jsonl.gz", Clock()
    writer, _ = RecordingWriter.open(path, HEADER, 2_000, clock)
    frames = 0
    while not writer.full:
        clock.now += MEMBER_SECONDS  # every frame its own member: the size grows at once
        writer.frame(book_frame(clock.now, bid=f"{60000 + frames}.00"))
        frames += 1
        assert frames < 100, "the limit was never reached"
    writer.end("size limit")
    assert 2_000 <= path.stat().st_size < 2_000 + 500  # one member past the limit at most
    assert sum(isinstance(i, MarketFrame) for i in read_items(path)) == frames


def test_a_replay_needs_a_book_and_a_price(tmp_path: Path):
    path = tmp_path / "r.jsonl.gz"
    writer, _ = RecordingWriter.open(path, HEADER, 10**6, Clock())
    writer.frame(book_frame(10.0))
    writer.end("done")
    with pytest.raises(RecordingError, match="no price frame"):
        first_state(path, "BTC-USD")
