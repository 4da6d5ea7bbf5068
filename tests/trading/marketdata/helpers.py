"""What tests compare between recordings: the books, marks and trades of the stream frames,
parsed (so the order of levels and the spelling of decimals do not matter), in order."""

from __future__ import annotations

from pathlib import Path

from trading.marketdata.frames import REST, STREAM, MarketFrame
from trading.marketdata.recording import read_items
from trading.standx.frames import BookEvent, PriceEvent, TradePrint


def sequences(path: Path, sources: tuple[str, ...] = (STREAM,)) -> dict[str, list]:
    """The books (bids, asks), marks and trades (price, qty, buyer taker) of the frames from
    `sources`: a replay publishes every frame of its recording, REST snapshots included, and
    a recorder of the replay sees them on its stream."""
    out: dict[str, list] = {"depth_book": [], "price": [], "public_trade": []}
    for item in read_items(path):
        if not isinstance(item, MarketFrame) or item.source not in sources:
            continue
        event = item.event()
        if isinstance(event, BookEvent):
            out["depth_book"].append((event.book.bids, event.book.asks))
        elif isinstance(event, PriceEvent):
            out["price"].append(event.tick.mark_price)
        elif isinstance(event, TradePrint):
            out["public_trade"].append((event.price, event.qty, event.is_buyer_taker))
    return out


def slice_at(whole: list, part: list) -> int | None:
    """Where `part` is a contiguous run of `whole` (None: nowhere)."""
    return next(
        (i for i in range(len(whole) - len(part) + 1) if whole[i : i + len(part)] == part), None
    )


def without_repeat_at_start(frames: list) -> list:
    """A subscriber's first frame is the state at subscription, which the source may send
    again as its next frame in a quiet moment: one copy."""
    return frames[1:] if len(frames) > 1 and frames[0] == frames[1] else frames


EVERY_SOURCE = (STREAM, REST)
