"""The alert watcher's rules (trading/alerts/watcher.py) on a scripted clock: edge-triggered,
held for the feed-down time, cooled down, fills gathered. Delivery is tested against a real
receiver in test_delivery.py; here the alerts land in a list."""

from __future__ import annotations

import datetime as dt

from tests.dashboard.snapshots import band_strategy, make_snapshot
from trading.alerts.notify import Alert
from trading.alerts.watcher import COOLDOWN_SECONDS, FILL_EVERY_SECONDS, AlertWatcher

T0 = dt.datetime(2026, 11, 29, 13, 25, tzinfo=dt.UTC)
HOLD = 30.0


class Clock:
    def __init__(self):
        self.now = T0.timestamp()

    def at(self, seconds: float) -> float:
        return T0.timestamp() + seconds


def watcher() -> tuple[AlertWatcher, list[Alert]]:
    sent: list[Alert] = []
    return AlertWatcher(lambda: ["default"], sent.append, feed_down_seconds=HOLD), sent


def snap(seconds: float, **overrides) -> dict:
    overrides.setdefault("events", [])  # the sample's events are stamped "now": no news here
    overrides.setdefault("strategy", band_strategy())
    return make_snapshot(now=T0 + dt.timedelta(seconds=seconds), **overrides)


def texts(sent: list[Alert]) -> list[str]:
    return [a.text for a in sent]


def test_kill_is_alerted_once_at_once_and_once_when_it_clears():
    w, sent = watcher()
    w.check("default", snap(0), Clock().at(0))
    for t in (1, 2, 3):
        w.check("default", snap(t, state="killed", state_reason="5 consecutive failures"),
                Clock().at(t))  # fmt: skip
    assert texts(sent) == ["default: kill switch engaged: 5 consecutive failures"]
    assert sent[0].level == "failure"
    for t in (COOLDOWN_SECONDS + 2, COOLDOWN_SECONDS + 3):
        w.check("default", snap(t), Clock().at(t))
    assert texts(sent)[1:] == [
        "default: resolved after 61 s: kill switch engaged: 5 consecutive failures"
    ]
    assert sent[1].level == "success"


def test_a_feed_is_alerted_only_after_it_has_been_down_for_the_hold_time():
    w, sent = watcher()
    down = {"market": "disconnected", "account": "connected"}
    for t in range(int(HOLD)):
        w.check("default", snap(t, feed=down), Clock().at(t))
    assert sent == [], "a blip shorter than ALERT_FEED_DOWN_SECONDS says nothing"
    w.check("default", snap(HOLD, feed=down), Clock().at(HOLD))
    assert texts(sent) == ["default: market feed disconnected"]


def test_a_blip_that_ends_before_the_hold_time_says_nothing():
    w, sent = watcher()
    down = {"market": "stale", "account": "connected"}
    w.check("default", snap(0, feed=down), Clock().at(0))
    w.check("default", snap(10), Clock().at(10))
    w.check("default", snap(40, feed=down), Clock().at(40))
    w.check("default", snap(60, feed=down), Clock().at(60))
    assert sent == [], "the hold restarts when the feed came back in between"


def test_a_flapping_condition_costs_two_messages_per_cooldown_and_ends_on_the_truth():
    w, sent = watcher()
    for t in range(200):
        killed = (t // 5) % 2 == 0 and t < 150  # killed and started every 5 s, then running
        state = {"state": "killed", "state_reason": "x"} if killed else {}
        w.check("default", snap(t, **state), Clock().at(t))
    assert len(sent) <= 2 * (200 / COOLDOWN_SECONDS + 1), texts(sent)
    assert sent[-1].text.startswith("default: resolved"), texts(sent)


def test_the_engine_going_silent_is_held_and_its_return_resolves_it():
    w, sent = watcher()
    w.check("default", snap(0), Clock().at(0))
    for t in range(1, int(HOLD) + 2):
        w.check("default", None, Clock().at(t))
    assert texts(sent) == ["default: no engine is publishing this bot's state"]
    w.check("default", snap(HOLD + COOLDOWN_SECONDS + 5), Clock().at(HOLD + COOLDOWN_SECONDS + 5))
    assert texts(sent)[-1].startswith("default: resolved after")


def fill(seconds: float, side: str, qty: str, price: str) -> dict:
    at = (T0 + dt.timedelta(seconds=seconds)).isoformat()
    return {"at": at, "kind": "fill", "side": side, "price": price, "qty": qty, "cl_ord_id": "",
            "message": "trade 17"}  # fmt: skip


def test_fills_are_sent_at_once_then_gathered_and_old_ones_never():
    w, sent = watcher()
    old = [fill(-30, "buy", "0.001", "66000")]
    w.check("default", snap(0, events=old), Clock().at(0))
    assert sent == [], "fills from before the watcher started are not news"
    events = [fill(1, "sell", "0.0004", "66010.5"), *old]
    w.check("default", snap(1, events=events, position={"qty": "-0.0004"}), Clock().at(1))
    assert texts(sent) == [
        "default: 1 fill on BTC-USD: sell 0.0004 @ 66010.5 (position now -0.0004)"
    ]
    events = [fill(3, "buy", "0.0004", "65990"), fill(2, "buy", "0.0004", "65991"), *events]
    w.check("default", snap(3, events=events), Clock().at(3))
    w.check("default", snap(4, events=events), Clock().at(4))
    assert len(sent) == 1, "within a minute of the last fill alert, fills wait"
    later = 1 + FILL_EVERY_SECONDS
    w.check("default", snap(later, events=events), Clock().at(later))
    order_filled = {**fill(later + 1, "buy", "0.0004", "65990"), "message": ""}  # the order's state
    w.check("default", snap(later + 1, events=[order_filled, *events]), Clock().at(later + 1))
    assert len(sent) == 2, "an order reaching FILLED is not a second fill"
    assert texts(sent)[1].startswith(
        "default: 2 fills on BTC-USD: buy 0.0004 @ 65991; buy 0.0004 @ 65990"
    )


def test_an_hours_tier_is_dropped_without_resolved_when_the_hour_ends():
    from tests.dashboard.snapshots import tier

    w, sent = watcher()
    hour1, hour2 = "2026-11-29T13:00:00+00:00", "2026-11-29T14:00:00+00:00"
    risky = tier(in_band=5.0, elapsed=25.0, standard="at risk", hour=hour1)
    w.check("default", snap(0, tier=risky), Clock().at(0))
    assert len(sent) == 1 and "at risk for the 13:00 UTC hour" in sent[0].text
    fresh = tier(in_band=0.5, elapsed=1.0, standard="at risk", hour=hour2)
    w.check("default", snap(2000, tier=fresh), Clock().at(2000))
    assert len(sent) == 1, "a new hour is not a resolution"


def test_fills_come_from_the_ledger_when_the_snapshot_has_one_and_hand_trades_are_not_news():
    w, sent = watcher()

    def ledger(*rows) -> dict:
        return {"this_hour": len(rows), "recent": list(rows)}

    def row(seconds: float, side: str, qty: str, price: str) -> dict:
        at = (T0 + dt.timedelta(seconds=seconds)).isoformat()
        return {"time": at, "side": side, "qty": qty, "price": price, "trade_id": "9"}

    w.check("default", snap(0, fills=ledger(row(-5, "buy", "0.1", "1"))), Clock().at(0))
    hand = {**fill(1, "buy", "1", "2"), "message": "trade 5 (not one of ours)"}
    newer = ledger(row(2, "sell", "0.0004", "66010.5"), row(-5, "buy", "0.1", "1"))
    w.check("default", snap(2, fills=newer, events=[hand]), Clock().at(2))
    assert texts(sent) == [
        "default: 1 fill on BTC-USD: sell 0.0004 @ 66010.5 (position now 0.0001)"
    ]
    w2, sent2 = watcher()
    w2.check("default", snap(0), Clock().at(0))
    w2.check("default", snap(2, events=[hand]), Clock().at(2))
    assert sent2 == []
