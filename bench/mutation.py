"""`make mutation`: how much of the pure core the core's own tests pin down.

mutmut (configured under [tool.mutmut] in pyproject.toml) changes trading/core one small
edit at a time (a `>` for a `>=`, a constant, a dropped argument...) and runs the tests of
tests/trading/core that reach the changed function against each mutant, in a fork. A mutant
the tests fail on is killed; one they pass on survived: a behaviour nothing checks. "No
tests" mutants sit in code no core test runs; they count as not killed.

Prints the share killed per file and in all, writes bench/results/mutation.json and lists the
survivors (`mutmut show NAME` prints one's diff). Not part of CI: a full run took 80
minutes on two shared, busy cores (2661 mutants). `--only trading.core.breaker` (a module, or
a glob of mutant names) runs part of the core; earlier results stay in mutants/ unless
`--fresh`, and `--again` runs only the mutants that were not killed last time (after adding
tests: killed ones stay so).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
RESULTS = ROOT / "bench" / "results" / "mutation.json"


def run_mutmut(only: str | None, workers: int, again: bool) -> None:
    pattern = [only if "*" in only else f"{only}.*"] if only else []
    if again:
        pattern = [name for name in survivors() if not only or name.startswith(only)]
        if not pattern:
            return
    subprocess.run(
        [str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", str(workers)]
        + pattern,
        cwd=ROOT,
        check=True,
    )


def statuses() -> dict[str, Counter[str]]:
    """Per core file: how many mutants ended in each status."""
    by_file: dict[str, Counter[str]] = {}
    for meta in sorted((MUTANTS / "trading" / "core").glob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if codes:
            by_file[meta.name.removesuffix(".meta")] = Counter(
                status_by_exit_code[code] for code in codes.values()
            )
    return by_file


def survivors() -> list[str]:
    names = []
    for meta in sorted((MUTANTS / "trading" / "core").glob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        names += [name for name, code in codes.items() if status_by_exit_code[code] != "killed"]
    return names


def share(counts: Counter[str]) -> float | None:
    judged = sum(n for status, n in counts.items() if status != "not checked")
    return 100.0 * counts["killed"] / judged if judged else None


def report(by_file: dict[str, Counter[str]]) -> dict:
    total: Counter[str] = Counter()
    print(f"{'file':<18}{'mutants':>8}{'killed':>8}{'survived':>9}{'no tests':>9}{'killed %':>10}")
    rows = {}
    for name, counts in by_file.items():
        total += counts
        score = share(counts)
        rows[name] = dict(counts) | {"killed_percent": score}
        if counts["not checked"] == sum(counts.values()):
            continue  # not run this time (--only)
        print(
            f"{name:<18}{sum(counts.values()):>8}{counts['killed']:>8}{counts['survived']:>9}"
            f"{counts['no tests']:>9}{score:>9.1f}%"
        )
    score = share(total)
    print(
        f"{'all':<18}{sum(total.values()):>8}{total['killed']:>8}{total['survived']:>9}"
        f"{total['no tests']:>9}{score if score is not None else float('nan'):>9.1f}%"
    )
    return {"files": rows, "all": dict(total) | {"killed_percent": score}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="a core module (trading.core.band) or a mutant glob")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--fresh", action="store_true", help="forget earlier results first")
    parser.add_argument("--report", action="store_true", help="only report the last results")
    parser.add_argument(
        "--again",
        action="store_true",
        help="run only the mutants not killed last time (new tests can only kill more)",
    )
    args = parser.parse_args(argv)
    if args.fresh:
        shutil.rmtree(MUTANTS, ignore_errors=True)
    if not args.report:
        run_mutmut(args.only, args.workers, args.again)
    result = report(statuses())
    left = survivors()
    print(f"\nnot killed ({len(left)}): `mutmut show NAME` prints one")
    for name in left:
        print("  " + name)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result | {"not_killed": left}, indent=2) + "\n")


if __name__ == "__main__":
    main()
