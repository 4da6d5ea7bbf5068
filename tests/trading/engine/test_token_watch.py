"""The token's expiry is warned a day ahead in the event log and the log (hourly, then every
10 minutes in the last hour), naming the command that renews it."""

from __future__ import annotations

from trading.engine.token_watch import TokenWatch


class Events:
    def __init__(self):
        self.added: list[tuple[str, str]] = []

    def add(self, kind: str, message: str = "", **_) -> None:
        self.added.append((kind, message))


def warnings_over(start: float, end: float, step: float, expires: float) -> list[str]:
    events = Events()
    watch = TokenWatch(events, warn_seconds=86400)  # type: ignore[arg-type]
    t = start
    while t <= end:
        watch.check(expires, t)
        t += step
    return [message for _, message in events.added]


def test_nothing_while_more_than_a_day_is_left():
    assert warnings_over(0, 3600, 60, expires=86400 + 3601) == []


def test_hourly_from_a_day_before_then_every_ten_minutes():
    expires = 86400.0
    said = warnings_over(0, expires, 60, expires)
    assert said[0] == (
        "access token expires in 24 h: renew it with python manage.py standx_login and "
        "restart runbot"
    )
    assert len([s for s in said if " h:" in s]) == 23  # hours 24..2 left, once an hour
    assert len([s for s in said if " min:" in s]) == 6  # the last hour, every 10 minutes
    assert said[-1].startswith("access token has expired")
