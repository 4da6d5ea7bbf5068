"""A market recording: gzip-compressed JSON lines, one record a line.

    {"recording": "standx-market", "version": 1, "symbol", "symbol_info", "api_base",
     "ws_url", "started_at"}                                  first line: the header
    {"t": 1760000000.123456, "ch": "depth_book", "data": {...}}   a frame (+ "src": "rest")
    {"gap": {"from": t, "to": t, "reason": "..."}}            nothing seen in between
    {"end": {"at": t, "reason": "..."}}                        the recorder stopped

`t` is the frame's arrival time on the recorder's clock; `data` is StandX's payload as it
came. Why this format: gzip and JSON are in Python's standard library and every tool reads
them (`zcat FILE | jq`, pandas), so nothing is added to the install; a frame stays the JSON
StandX sent, with fields the bot does not read yet; and gzip files may be concatenated.
The writer closes a gzip member every MEMBER_SECONDS (or MEMBER_BYTES of text), so a
recorder killed mid-write loses at most the member it was writing: the reader stops at a
member cut short, and the writer cuts the file back to its last whole member before it
appends. Running the recorder again on the same file resumes it, the time it was not
running marked as a gap. (zstd would compress a third better but is a dependency; Parquet
or SQLite would need a schema for payloads StandX does not fix.)
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from trading.marketdata.frames import BOOK, MARKET_CHANNELS, PRICE, STREAM, Gap, MarketFrame

FORMAT, VERSION = "standx-market", 1
MEMBER_SECONDS = 2.0
MEMBER_BYTES = 256 * 1024
READ_CHUNK = 1 << 16


class RecordingError(ValueError):
    """A file that is not a recording this code can read, or one of another symbol."""


@dataclass(frozen=True)
class Header:
    symbol: str
    symbol_info: dict[str, Any]  # the symbol's row of query_symbol_info
    api_base: str
    ws_url: str
    started_at: float

    def to_json(self) -> dict[str, Any]:
        return {
            "recording": FORMAT,
            "version": VERSION,
            "symbol": self.symbol,
            "symbol_info": self.symbol_info,
            "api_base": self.api_base,
            "ws_url": self.ws_url,
            "started_at": self.started_at,
        }

    @classmethod
    def from_json(cls, row: Any, path: Path) -> Header:
        if not isinstance(row, dict) or row.get("recording") != FORMAT:
            raise RecordingError(f"{path} is not a StandX market recording (no header line)")
        if row.get("version") != VERSION:
            raise RecordingError(f"{path} is a recording of version {row.get('version')!r}")
        try:
            return cls(
                str(row["symbol"]),
                dict(row["symbol_info"]),
                str(row.get("api_base", "")),
                str(row.get("ws_url", "")),
                float(row["started_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordingError(f"{path}: the header lacks {exc}") from None


@dataclass(frozen=True)
class End:
    at: float
    reason: str


Item = MarketFrame | Gap | End


def encode(item: Item) -> dict[str, Any]:
    if isinstance(item, MarketFrame):
        line: dict[str, Any] = {"t": item.at, "ch": item.channel, "data": item.data}
        if item.source != STREAM:
            line["src"] = item.source
        return line
    if isinstance(item, Gap):
        return {"gap": {"from": item.start, "to": item.end, "reason": item.reason}}
    return {"end": {"at": item.at, "reason": item.reason}}


def decode(row: Any, symbol: str) -> Item | None:
    """One line's record; None for a record this version does not know (skipped)."""
    if not isinstance(row, dict):
        return None
    if isinstance(row.get("gap"), dict):
        gap = row["gap"]
        return Gap(float(gap["from"]), float(gap["to"]), str(gap.get("reason", "")))
    if isinstance(row.get("end"), dict):
        return End(float(row["end"]["at"]), str(row["end"].get("reason", "")))
    if row.get("ch") in MARKET_CHANNELS and isinstance(row.get("data"), dict):
        return MarketFrame(float(row["t"]), row["ch"], symbol, row["data"], row.get("src", STREAM))
    return None


def item_time(item: Item) -> float:
    if isinstance(item, MarketFrame):
        return item.at
    return item.start if isinstance(item, Gap) else item.at


# ---------------------------------------------------------------- reading


def members(file: IO[bytes], path: Path) -> Iterator[tuple[int, bytes]]:
    """Each whole gzip member of `file`: the offset just past it and its text. Stops at a
    member cut short (a recorder killed mid-write); corrupt data is a RecordingError."""
    inflater, pieces, consumed = zlib.decompressobj(wbits=31), [], 0
    while chunk := file.read(READ_CHUNK):
        data = chunk
        while data:
            try:
                pieces.append(inflater.decompress(data))
            except zlib.error as exc:
                if consumed == 0:
                    raise RecordingError(f"{path} is not a recording (not gzip data)") from None
                raise RecordingError(f"{path}: corrupt data after byte {consumed}: {exc}") from None
            if not inflater.eof:
                consumed += len(data)
                break
            consumed += len(data) - len(inflater.unused_data)
            yield consumed, b"".join(pieces)
            data, pieces = inflater.unused_data, []
            inflater = zlib.decompressobj(wbits=31)


@dataclass
class Scan:
    """What a pass over a recording found: its header, where its last whole member ends,
    the time of its last record and whether a member after it was cut short."""

    header: Header
    whole_bytes: int
    last_time: float
    truncated: bool


def read_items(path: Path) -> Iterator[Item]:
    """The records after the header, in order (a member cut short at the end is dropped)."""
    with open(path, "rb") as file:
        symbol = ""
        for _end, text in members(file, path):
            for line in text.splitlines():
                row = _json(line, path)
                if not symbol:
                    symbol = Header.from_json(row, path).symbol
                    continue
                item = decode(row, symbol)
                if item is not None:
                    yield item


def read_header(path: Path) -> Header:
    with open(path, "rb") as file:
        for _end, text in members(file, path):
            return Header.from_json(_json(text.split(b"\n", 1)[0], path), path)
    raise RecordingError(f"{path} is empty or cut short before its header")


def scan(path: Path) -> Scan:
    """One pass over the file (for resuming it)."""
    header, whole, last = None, 0, 0.0
    with open(path, "rb") as file:
        for whole, text in members(file, path):  # noqa: B007  (the last one's end is kept)
            for line in text.splitlines():
                row = _json(line, path)
                if header is None:
                    header = Header.from_json(row, path)
                    last = header.started_at
                    continue
                item = decode(row, header.symbol)
                if item is not None:
                    last = item.end if isinstance(item, Gap) else item_time(item)
        size = file.seek(0, 2)
    if header is None:
        raise RecordingError(f"{path} is empty or cut short before its header")
    return Scan(header, whole, last, truncated=size > whole)


def _json(line: bytes, path: Path) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        raise RecordingError(f"{path}: a line is not JSON: {line[:80]!r}") from None


# ---------------------------------------------------------------- writing


class RecordingWriter:
    """Appends records to a recording, a gzip member at a time, and stops taking frames once
    the file reached `max_bytes` (`full`)."""

    def __init__(self, file: IO[bytes], max_bytes: int, clock: Callable[[], float]) -> None:
        self._file, self.max_bytes, self._clock = file, max_bytes, clock
        self._lines: list[str] = []
        self._pending = 0
        self._since = clock()
        self.size = file.tell()
        self.counts: Counter[str] = Counter()  # frames by channel, "gaps"
        self.gap_seconds = 0.0

    @classmethod
    def open(
        cls, path: Path, header: Header, max_bytes: int, clock: Callable[[], float] = time.time
    ) -> tuple[RecordingWriter, Scan | None]:
        """A new recording, or the existing one resumed: cut back to its last whole member
        (what a killed recorder left half-written is dropped) and appended to. The caller
        marks the time it was not recording as a gap (`Scan.last_time` to now)."""
        if not path.exists() or path.stat().st_size == 0:
            writer = cls(open(path, "wb"), max_bytes, clock)  # noqa: SIM115  closed by end()
            writer._put(header.to_json())
            writer.flush()
            return writer, None
        found = scan(path)
        if found.header.symbol != header.symbol:
            raise RecordingError(
                f"{path} records {found.header.symbol}, not {header.symbol}: "
                "resume it with its own symbol or choose another --out"
            )
        file = open(path, "r+b")  # noqa: SIM115  closed by end()
        file.truncate(found.whole_bytes)
        file.seek(found.whole_bytes)
        return cls(file, max_bytes, clock), found

    @property
    def full(self) -> bool:
        return self.size >= self.max_bytes

    @property
    def frames(self) -> int:
        return sum(self.counts[channel] for channel in MARKET_CHANNELS)

    def frame(self, frame: MarketFrame) -> None:
        self.counts[frame.channel] += 1
        self._put(encode(frame))

    def gap(self, gap: Gap) -> None:
        self.counts["gaps"] += 1
        self.gap_seconds += gap.seconds
        self._put(encode(gap))
        self.flush()  # a gap is news: on disk at once

    def end(self, reason: str) -> None:
        self._put(encode(End(self._clock(), reason)))
        self.flush()
        self._file.close()

    def _put(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":"))
        self._lines.append(line)
        self._pending += len(line) + 1
        now = self._clock()
        if self._pending >= MEMBER_BYTES or now - self._since >= MEMBER_SECONDS:
            self.flush()

    def flush(self) -> None:
        """The buffered lines as one whole gzip member, handed to the OS."""
        self._since = self._clock()
        if not self._lines:
            return
        text = ("\n".join(self._lines) + "\n").encode()
        self._lines, self._pending = [], 0
        self._file.write(gzip.compress(text, compresslevel=6, mtime=0))
        self._file.flush()
        self.size = self._file.tell()


def first_state(path: Path, symbol: str) -> list[MarketFrame]:
    """The first book and the first price of a recording: what a replay opens with."""
    found: dict[str, MarketFrame] = {}
    for item in read_items(path):
        if isinstance(item, MarketFrame) and item.channel in (BOOK, PRICE):
            found.setdefault(item.channel, item)
            if len(found) == 2:
                return [found[BOOK], found[PRICE]]
    missing = " and ".join(c for c in (BOOK, PRICE) if c not in found)
    raise RecordingError(f"{path} has no {missing} frame for {symbol}: nothing to replay")
