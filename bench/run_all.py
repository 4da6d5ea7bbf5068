"""`make bench`: every benchmark in turn. Pass --quick for a short smoke run.

The scale benchmark (N bots, one process vs split) runs in the full suite only: its own
--quick still takes about 100 s of process start-ups, longer than the rest of the quick run
together; tests/bench/test_scale_smoke.py runs it end to end in about 25 s instead.
"""

from __future__ import annotations

import subprocess
import sys

from bench import api_load, requote_modes, reward, scale, services, ws_fanout


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    quick = "--quick" in args
    requote_modes.main(["--quick"] if quick else [])
    reward.main(["--quick"] if quick else [])
    ws_fanout.main(["--seconds", "10"] if quick else [])
    api_load.main(["--quick"] if quick else [])
    # Its own process: it sets up Django on a DATA_DIR of its own.
    seconds = "15" if quick else "120"
    subprocess.run([sys.executable, "-m", "bench.paper_accuracy", "--seconds", seconds], check=True)
    if not quick:
        scale.main(scale_args())


def scale_args() -> list[str]:
    """Both shapes when Redis and PostgreSQL are installed; otherwise the one-process shape
    alone, rather than failing the whole suite over the split servers."""
    missing = services.missing_binary()
    if missing is None:
        return []
    print(f"scale: {missing} is not installed: measuring the one-process shape only")
    return ["--shapes", "one"]


if __name__ == "__main__":
    main()
