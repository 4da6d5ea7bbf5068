"""The soak's verdict (hard targets -> exit status) and its printed table."""

from __future__ import annotations

from bench import soak_phases

SOFT_TARGETS = {"two_sided_pct": 95.0, "in_band_pct": 90.0}


def pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


# Checks in evaluate(): orphans at end, orphans during the run, tracebacks, uptime history,
# account surviving the simulator restart, runbot's exit code, and the phases' own (storm then
# kill, stop with the exchange frozen: bench/soak_phases.py). Each fails with one sentence.
HARD_TARGETS = 6 + soak_phases.PHASE_TARGETS


def evaluate(r: dict, persist_tolerance_s: float) -> list[str]:
    """The hard targets that failed, each as a sentence a CI log reader understands."""
    failed = []
    o, h = r["orphans"], r["history"]
    if o["at_end"]:
        failed.append(f"{o['at_end']} order(s) of ours still open after the bot's clean stop")
    if o["during_run"]:
        failed.append(
            f"{o['during_run']} orphan order(s) during the run (resting on the "
            f"exchange, unknown to the bot for > grace; longest {o['longest_s']} s; "
            f"first seen {o.get('seen')})"
        )
    if r["tracebacks"]["count"]:
        failed.append(
            f"{r['tracebacks']['count']} traceback/unhandled line(s) in the bot's "
            f"log: {r['tracebacks']['samples'][:3]}"
        )
    if "rows_lost" not in h:
        failed.append("uptime history was not checked across the SIGKILL")
    elif h["rows_lost"] or h["seconds_lost_at_kill"] > persist_tolerance_s:
        failed.append(
            f"uptime history lost across the SIGKILL: {h['rows_lost']} row(s), "
            f"{h['seconds_lost_at_kill']} s (tolerance {persist_tolerance_s:g} s)"
        )
    if h.get("account_survived_sim_restart") is False:
        failed.append("the bot's account/token did not survive the simulator restart")
    if r["bot"]["exit_code"] not in (0, None):
        failed.append(f"runbot exited with code {r['bot']['exit_code']} on SIGTERM")
    return failed + soak_phases.failures(r["phases"])


def print_report(r: dict, failed: list[str]) -> None:
    market = r.get("market", "walk")
    print(
        f"\nchaos soak, {r['minutes']:g} min, seed {r['seed']}, wall {r['wall_seconds']} s, "
        f"market {'the random walk' if market == 'walk' else market}"
    )
    rows = _uptime_rows(r) + _fault_rows(r) + _safety_rows(r) + soak_phases.report_rows(r["phases"])
    for label, value in rows:
        print(f"  {label:44} {value}")
    for reason in r["bot"]["state_reasons"]:
        print(f"  state reason: {reason}")
    _verdict(r, failed)


def _uptime_rows(r: dict) -> list[tuple[str, str]]:
    u = r["uptime"]
    observed = u["observed_seconds"]
    return [
        ("two-sided uptime % (ground truth)", f"{pct(u['two_sided_seconds'], observed):.2f}"),
        ("in-band uptime % (ground truth)", f"{pct(u['in_band_seconds'], observed):.2f}"),
        ("observed seconds", f"{observed:.1f}"),
        ("fills", str(u["fills"])),
        (
            "bot start -> API up s / first two-sided s",
            f"{r['bot_start_s']} / {r['first_two_sided_s']}",
        ),
    ]


def _fault_rows(r: dict) -> list[tuple[str, str]]:
    """Faults injected, the requote time after each kind and the dark seconds it caused."""
    rows = [(f"fault: {k}", str(v)) for k, v in r["faults"].items()]
    for kind, s in r["requote_s"].items():
        if "p50" in s:
            text = f"n={s['n']} p50 {s['p50']} p99 {s['p99']} max {s['max']}"
        else:
            text = f"n={s['n']}"
        rows.append(
            (
                f"requote s after {kind}",
                text + (f" NEVER BACK {s['never_back']}" if s["never_back"] else ""),
            )
        )
    return rows + [(f"dark s charged to {k}", str(v)) for k, v in r["dark_s_by_cause"].items()]


def _safety_rows(r: dict) -> list[tuple[str, str]]:
    """Orphans, tracebacks, uptime history across the SIGKILL and the bot process."""
    o, h, b = r["orphans"], r["history"], r["bot"]
    return [
        ("orphans during run (> grace)", f"{o['during_run']} (longest {o['longest_s']} s)"),
        ("ghosts (bot believes, exchange lacks)", str(o["ghosts"])),
        ("our open orders after clean stop", str(o["at_end"])),
        ("tracebacks in bot log", str(r["tracebacks"]["count"])),
        ("uptime rows lost across SIGKILL", str(h.get("rows_lost", "not checked"))),
        ("uptime seconds lost at SIGKILL", str(h.get("seconds_lost_at_kill", "-"))),
        ("bot restart -> API up s", str(h.get("restart_s", "-"))),
        ("account survived sim restart", str(h.get("account_survived_sim_restart", "-"))),
        ("bot peak RSS MB", str(b["peak_rss_mb"])),
        ("bot CPU seconds", str(b["cpu_seconds"])),
        ("bot states seen (polls)", str(b["states_seen"])),
    ]


def _verdict(r: dict, failed: list[str]) -> None:
    u = r["uptime"]
    for key, target in SOFT_TARGETS.items():
        value = pct(u[key.replace("_pct", "_seconds")], u["observed_seconds"])
        print(f"  soft target {key} >= {target}: {'met' if value >= target else 'MISSED'}")
    if failed:
        print("\nHARD TARGETS FAILED:")
        for line in failed:
            print(f"  - {line}")
    else:
        print("\nall hard targets met")
    # The plain closing line CI reads, like a test runner's.
    print(f"soak: {HARD_TARGETS - len(failed)} passed, {len(failed)} failed")
