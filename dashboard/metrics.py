"""`GET /metrics`: Prometheus metrics per bot, behind the API token (Bearer, as for /api/).

Built at each scrape from the engines' latest snapshots in the `snapshots` cache (a custom
collector, no process-global registry), so the split web tier serves its workers' figures
and one runbot serves its own. Counters (`_total`) run from the engine's start
(trading/engine/ops_metrics.py): a restart resets them, which Prometheus' rate() expects.
A bot without a fresh snapshot reports only mmbot_up 0 (and mmbot_healthy 0).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from dashboard import state, throttle
from dashboard.auth import api_token_matches
from trading import bus
from trading.alerts.conditions import CRITICAL, bot_conditions, epoch, snapshot_age
from trading.core.thresholds import SNAPSHOT_FRESH_SECONDS

STATES = ("running", "stopped", "killed")
FEEDS = ("market", "account")


def _gauge(name: str, doc: str, *labels: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"mmbot_{name}", doc, labels=["bot", *labels])


def _counter(name: str, doc: str, *labels: str) -> CounterMetricFamily:
    return CounterMetricFamily(f"mmbot_{name}", doc, labels=["bot", *labels])


class SnapshotCollector:
    """One scrape's metrics from {bot: snapshot or None}."""

    def __init__(self, snapshots: dict[str, dict | None], now: float):
        self.snapshots, self.now = snapshots, now

    def collect(self) -> Iterator[Metric]:
        fresh = {b: s for b, s in self.snapshots.items() if s is not None}
        up = _gauge("up", "1 while the bot's engine publishes fresh snapshots")
        healthy = _gauge("healthy", "1 when /healthz finds no critical condition for the bot")
        for bot, snap in self.snapshots.items():
            critical = [c for c in bot_conditions(snap, self.now) if c.severity == CRITICAL]
            up.add_metric([bot], 0 if snap is None or _stale(snap, self.now) else 1)
            healthy.add_metric([bot], 0 if critical else 1)
        yield from (up, healthy)
        yield from self._state(fresh)
        yield from self._uptime(fresh)
        yield from self._activity(fresh)
        yield self._reactions(fresh)

    def _state(self, snaps: dict[str, dict]) -> Iterator[Metric]:
        info = _gauge("info", "what the bot quotes (always 1)", "symbol", "mode", "strategy")
        run = _gauge("state", "1 for the bot's run state", "state")
        feed = _gauge("feed_connected", "1 while the feed is connected", "feed")
        age = _gauge("snapshot_age_seconds", "seconds since the engine's last snapshot")
        token = _gauge("token_expiry_timestamp_seconds", "when the access token expires")
        for bot, s in snaps.items():
            strategy = (s.get("strategy") or {}).get("name") or ""
            info.add_metric([bot, s.get("symbol") or "", s.get("mode") or "", strategy], 1)
            for name in STATES:
                run.add_metric([bot, name], 1 if s.get("state") == name else 0)
            for name in FEEDS:
                connected = (s.get("feed") or {}).get(name) == "connected"
                feed.add_metric([bot, name], 1 if connected else 0)
            age.add_metric([bot], snapshot_age(s, self.now) or 0.0)
            expires = epoch(s.get("token_expires_at"))
            if expires is not None:
                token.add_metric([bot], expires)
        yield from (info, run, feed, age, token)

    def _uptime(self, snaps: dict[str, dict]) -> Iterator[Metric]:
        in_band = _counter("in_band_seconds", "seconds with both sides in the reward band")
        two_sided = _counter("two_sided_seconds", "seconds with both sides resting")
        hour_in_band = _gauge("hour_in_band_seconds", "this UTC hour's in-band seconds")
        hour_two_sided = _gauge("hour_two_sided_seconds", "this UTC hour's two-sided seconds")
        for bot, s in snaps.items():
            ops, hour = s.get("ops") or {}, s.get("uptime") or {}
            in_band.add_metric([bot], ops.get("in_band_seconds") or 0.0)
            two_sided.add_metric([bot], ops.get("two_sided_seconds") or 0.0)
            hour_in_band.add_metric([bot], hour.get("in_band_seconds") or 0.0)
            hour_two_sided.add_metric([bot], hour.get("two_sided_seconds") or 0.0)
        yield from (in_band, two_sided, hour_in_band, hour_two_sided)

    def _activity(self, snaps: dict[str, dict]) -> Iterator[Metric]:
        requotes = _counter("requotes", "requotes")
        fills = _counter("fills", "fills of our orders")
        failures = _counter("failures", "exchange calls and tasks that failed")
        consecutive = _gauge("consecutive_failures", "the kill switch's count (trips at max)")
        requests = _counter("exchange_requests", "this bot's StandX requests by path", "path")
        orders = _gauge("open_orders", "orders of the bot the engine tracks")
        position = _gauge("position", "the position in the bot's symbol (base units)")
        for bot, s in snaps.items():
            ops = s.get("ops") or {}
            requotes.add_metric([bot], ops.get("requotes") or 0)
            fills.add_metric([bot], ops.get("fills") or 0)
            failures.add_metric([bot], ops.get("failures") or 0)
            consecutive.add_metric([bot], (s.get("failures") or {}).get("consecutive") or 0)
            for call, count in sorted((ops.get("requests") or {}).items()):
                requests.add_metric([bot, f"/api/{call}"], count)  # calls are named by path
            orders.add_metric([bot], len(s.get("orders") or []))
            position.add_metric([bot], float((s.get("position") or {}).get("qty") or 0))
        yield from (requotes, fills, failures, consecutive, requests, orders, position)

    def _reactions(self, snaps: dict[str, dict]) -> Metric:
        histogram = HistogramMetricFamily(
            "mmbot_reaction_latency_seconds", "market message to order request", labels=["bot"]
        )
        for bot, s in snaps.items():
            seen = (s.get("ops") or {}).get("reaction_ms") or {}
            count = seen.get("count") or 0
            buckets = [(_le(ms / 1000), n) for ms, n in seen.get("buckets") or []]
            buckets.append(("+Inf", count))
            histogram.add_metric([bot], buckets, (seen.get("sum_ms") or 0.0) / 1000)
        return histogram


def _le(seconds: float) -> str:
    return format(seconds, "g")


def _stale(snapshot: dict, now: float) -> bool:
    age = snapshot_age(snapshot, now)
    return age is None or age > SNAPSHOT_FRESH_SECONDS


def exposition(now: float) -> bytes:
    snapshots = {name: bus.latest_snapshot(name) for name in state.bot_names()}
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snapshots, now))
    return generate_latest(registry)


@require_GET
@never_cache
def metrics(request):
    """Bearer API_TOKEN only (Prometheus' `authorization` / `bearer_token_file`); failed
    tokens count toward the per-address limit like the API's (a right one always passes)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and api_token_matches(token.strip()):
        return HttpResponse(exposition(time.time()), content_type=CONTENT_TYPE_LATEST)
    wait = throttle.failed(throttle.client_of_request(request)) if token else None
    if wait is not None:
        response = JsonResponse({"detail": throttle.message(wait)}, status=429)
        response["Retry-After"] = str(wait)
        return response
    response = JsonResponse({"detail": "send Authorization: Bearer <API_TOKEN>"}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response
