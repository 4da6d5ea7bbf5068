"""The reward benchmark's figures, targets and table (bench/reward.py runs it).

Every column comes from the simulator's ground truth of the row's account (GET /sim/stats):
shares of the time from the first order resting, fills and requests per hour / minute, the
share of cancels that hit an order younger than 3 s (Maker Points' minimum rest), the median
time an order spent on the book, and the mean counted size (Uptime Program: min of the
in-band bid and ask sizes, valued at the mark) in USD.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from trading.marketdata.frames import Gap, MarketFrame
from trading.marketdata.recording import read_header, read_items
from trading.sim.config import SimConfig
from trading.sim.scenarios import mark_lag_seconds, mark_path, scenario, volatility_bps_per_sqrt_s

ROW_LABELS = {
    "spread5": "spread SPREAD_BPS=5",
    "spread5-tight": "spread SPREAD_BPS=5 THRESH=1.5",
    "spread8": "spread SPREAD_BPS=8",
    "spread8-tight": "spread SPREAD_BPS=8 THRESH=2",
    "band": "band (defaults)",
    "spread5-skew": "spread SPREAD_BPS=5 SKEW=3",
    "spread5-flatten": "spread SPREAD_BPS=5 FLATTEN",
    "band-skew": "band SKEW=3",
    "band-flatten": "band FLATTEN",
}
IP_BUDGET_PER_S, PACER_HEADROOM, FLEET = 50.0, 0.9, 8
MARK_SAMPLE_S = 0.5


class Targets(TypedDict):
    in_band_pct: dict[str, float]  # per scenario
    two_sided_pct: float
    requests_per_minute: float


TARGETS: Targets = {
    "in_band_pct": {"calm": 99.5, "volatile": 99.0, "harsh": 95.0},
    "two_sided_pct": 99.9,
    # One bot's fair share of the per-IP budget (with the pacer's headroom) at 8 bots.
    "requests_per_minute": IP_BUDGET_PER_S * PACER_HEADROOM / FLEET * 60,
}
TABLE = (
    ("in-band %", "in_band_pct", "{:.2f}"),
    ("two-sided %", "two_sided_pct", "{:.2f}"),
    ("fills/h", "fills_per_hour", "{:.0f}"),
    ("req/min", "requests_per_minute", "{:.1f}"),
    ("cancel<3s %", "cancels_under_3s_pct", "{:.1f}"),
    ("median life s", "median_order_life_s", "{:.2f}"),
    ("counted USD", "counted_usd_mean", "{}"),
)

# What the fills cost (issue 16), from each account's ledger after the stop: fees, realised
# and unrealised PnL (USD over the run), and the cost per hour spent in band.
MONEY_TABLE = (
    ("fills/h", "fills_per_hour", "{:.0f}"),
    ("fees USD", "fees_usd", "{:.4f}"),
    ("realised USD", "realised_usd", "{:.4f}"),
    ("unrealised USD", "unrealised_usd", "{:.4f}"),
    ("net USD", "net_usd", "{:.4f}"),
    ("end position", "position_end", "{}"),
    ("cost/in-band h", "cost_per_in_band_hour_usd", "{:.2f}"),
)

# What the orders did on the exchange (issue 21), from each account's order log before the
# stop (bench/order_log.py).
ORDER_TABLE = (
    ("rejected req", "rejected_requests", "{}"),
    ("alo rejected", "alo_rejected", "{}"),
    ("reduce-only ref", "reduce_only_refused", "{}"),
    ("max orders/side", "max_orders_per_side", "{}"),
    ("max exposure $", "exposure_max_usd", "{:.2f}"),
    ("over limit %", "over_limit_pct", "{:.2f}"),
)


def columns(stats: dict, symbol: str) -> dict:
    truth, requests = stats["symbols"][symbol], stats["requests"]
    observed = truth["observed_seconds"]
    share = truth["cancels_under_3s_share"]

    def per(seconds: float, scale: float) -> float | None:
        return round(seconds / observed * scale, 3) if observed > 0 else None

    return {
        "in_band_pct": per(truth["in_band_seconds"], 100.0),
        "two_sided_pct": per(truth["two_sided_seconds"], 100.0),
        "fills_per_hour": per(truth["fills"], 3600.0),
        "requests_per_minute": requests["per_minute"],
        "cancels_under_3s_pct": None if share is None else round(share * 100, 2),
        "median_order_life_s": truth["median_order_life_s"],
        "counted_usd_mean": truth["counted_notional_mean"],
        "observed_seconds": observed,
        "fills": truth["fills"],
        "cancels": truth["cancels"],
        "orders_left": truth["orders_left"],
        "requests": requests["total"],
        "rate_limited": requests["rate_limited"],
        "requests_by_path": requests["by_path"],
    }


def scenario_measure(name: str, seed: int) -> dict:
    """The scenario's market as measured from a pure seeded hour of its price process."""
    spec = scenario(name)
    config = SimConfig(seed=seed, **spec.market)
    vol = volatility_bps_per_sqrt_s(mark_path(config, 3600), config.step_interval)
    return {
        "summary": spec.summary,
        "options": spec.market,
        "ack_latency_ms": spec.ack_latency_ms,
        "mark_volatility_bps_per_sqrt_s": round(vol, 3),
        "mark_lag_s": round(mark_lag_seconds(config), 3),
    }


def recording_measure(path: Path) -> dict:
    """A recording's market: its length, the mark's volatility (sampled every half second,
    as scenario_measure measures a walk), trades per minute and gaps."""
    header, marks, trades, gaps, times = read_header(path), [], 0, 0.0, []
    for item in read_items(path):
        if isinstance(item, Gap):
            gaps += item.seconds
        elif isinstance(item, MarketFrame):
            times.append(item.at)
            trades += item.channel == "public_trade"
            if item.channel == "price" and (mark := item.data.get("mark_price")) is not None:
                marks.append((item.at, float(mark)))
    duration = max(times) - min(times) if times else 0.0
    return {
        "summary": f"recording of {header.symbol} from {header.api_base}, {duration / 60:.1f} min",
        "file": str(path),
        "duration_s": round(duration, 1),
        "gap_s": round(gaps, 1),
        "trades_per_minute": round(trades / duration * 60, 1) if duration else None,
        "ack_latency_ms": 50,
        "mark_volatility_bps_per_sqrt_s": _sampled_volatility(marks, MARK_SAMPLE_S),
        "mark_lag_s": None,  # a property of the walk; a recording only shows the mark
    }


def _sampled_volatility(marks: list[tuple[float, float]], step: float) -> float | None:
    """The mark's last value every `step` seconds, measured like the walk's."""
    if len(marks) < 2:
        return None
    sampled, at, index = [], marks[0][0], 0
    while at <= marks[-1][0]:
        while index + 1 < len(marks) and marks[index + 1][0] <= at:
            index += 1
        sampled.append(marks[index][1])
        at += step
    try:
        return round(volatility_bps_per_sqrt_s(sampled, step), 3)
    except ValueError:  # shorter than the horizon
        return None


def meets(name: str | None, row: dict) -> dict:
    """Each of the issue's targets for `band`, met or not by this row (None: no target for
    this market, e.g. a recording's in-band share)."""

    def at_least(value, floor):
        return None if floor is None else value is not None and value >= floor

    return {
        "in_band": at_least(row["in_band_pct"], TARGETS["in_band_pct"].get(name or "")),
        "two_sided": at_least(row["two_sided_pct"], TARGETS["two_sided_pct"]),
        "requests": row["requests_per_minute"] is not None
        and row["requests_per_minute"] <= TARGETS["requests_per_minute"],
    }


def with_targets(name: str | None, outcome: dict) -> dict:
    rows = {
        row: ({**figures, "meets": meets(name, figures)} if "skipped" not in figures else figures)
        for row, figures in outcome["rows"].items()
    }
    return {
        "rows": rows,
        "env_overrides": outcome.get("env_overrides", {}),
        "band_vs_spread": band_vs_spread(rows),
    }


def band_vs_spread(rows: dict) -> dict | None:
    """The issue's 'fewer fills per hour than spread at the same in-band %': the spread rows
    in band at least as long as band (less half a point), and whether band filled less."""
    band = rows.get("band")
    if band is None or "skipped" in band or band["in_band_pct"] is None:
        return None
    peers = {
        row: r["fills_per_hour"]
        for row, r in rows.items()
        if row.startswith("spread")
        and "skipped" not in r
        and r["in_band_pct"] is not None
        and r["in_band_pct"] >= band["in_band_pct"] - 0.5
    }
    return {
        "spread_rows_as_in_band": peers,
        "band_fewer_fills": None
        if not peers
        else all(_fewer(band["fills_per_hour"], fills) for fills in peers.values()),
    }


def _fewer(band: float, spread: float) -> bool:
    """Fewer fills; with none on either side there is nothing fewer to have."""
    return band < spread or band == spread == 0


def print_scenario(name: str, result: dict, seconds: float) -> None:
    market = result["market"]
    vol, lag = market["mark_volatility_bps_per_sqrt_s"], market["mark_lag_s"]
    print(
        f"\n{name}: {market['summary']}; measured mark "
        f"{'?' if vol is None else f'{vol:.2f}'} bps/sqrt(s)"
        f"{'' if lag is None else f', lag {lag:.1f} s'}; {seconds:.0f} s, acks "
        f"{market['ack_latency_ms']:.0f} ms"
    )
    print(f"{'row':32}" + "".join(f"{label:>15}" for label, _, _ in TABLE) + "  targets")
    for row, figures in result["rows"].items():
        label = ROW_LABELS.get(row, row)
        if "skipped" in figures:
            print(f"{label:32}  skipped: {figures['skipped']}")
            continue
        cells = "".join(f"{_cell(figures[key], fmt):>15}" for _, key, fmt in TABLE)
        print(f"{label:32}{cells}  {_verdict(figures['meets'])}")
    in_band = TARGETS["in_band_pct"].get(name)
    print(
        f"targets for band: in-band >= {'(none on a recording)' if in_band is None else in_band}"
        f" %, two-sided >= "
        f"{TARGETS['two_sided_pct']} %, requests <= {TARGETS['requests_per_minute']:.1f}/min "
        f"(50/s x 0.9 / 8 bots); fewer fills/h than spread at the same in-band %: "
        f"{_fills_verdict(result['band_vs_spread'])}"
    )
    print_table(result, "money (ledger, after the stop)", MONEY_TABLE)
    print_table(result, "orders (exchange's log)", ORDER_TABLE)
    if result.get("env_overrides"):
        print(f"note: the environment changed the defaults: {result['env_overrides']}")


def print_table(result: dict, title: str, table: tuple) -> None:
    """One line per row that has these figures (a skipped row has none)."""
    print(f"{title:32}" + "".join(f"{h:>16}" for h, _, _ in table))
    for row, figures in result["rows"].items():
        if not all(key in figures for _, key, _ in table):
            continue
        cells = "".join(f"{_cell(figures.get(key), fmt):>16}" for _, key, fmt in table)
        print(f"{ROW_LABELS.get(row, row):32}{cells}")


def _cell(value, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def _verdict(met: dict) -> str:
    return " ".join(
        f"{name} {'met' if ok else 'MISSED'}" for name, ok in met.items() if ok is not None
    )


def _fills_verdict(comparison: dict | None) -> str:
    if comparison is None:
        return "n/a (no band row)"
    if comparison["band_fewer_fills"] is None:
        return "no spread row is as long in band"
    return "met" if comparison["band_fewer_fills"] else "MISSED"
