"""Times as the exchange, the snapshots and the simulator write them: ISO-8601 text, read
(`iso_epoch`) and written (`iso_time`) one way; and the UTC hour every figure is kept by."""

from __future__ import annotations

import datetime as dt

HOUR = 3600


def hour_start(epoch: float) -> int:
    """Start of the UTC hour of `epoch`: floor(epoch / 3600) * 3600."""
    return int(epoch // HOUR) * HOUR


def iso_epoch(text: object) -> float | None:
    """Epoch seconds of an ISO-8601 time ("Z" or an offset; a naive time is UTC), or None
    when there is none or it is not one."""
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()


def iso_time(epoch: float) -> str:
    """The one way a time is written: ISO-8601 UTC ("2026-01-05T14:20:00+00:00")."""
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).isoformat()
