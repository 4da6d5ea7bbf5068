"""`make bench`: every benchmark in turn. Pass --quick for a short smoke run."""
from __future__ import annotations

import sys

from bench import requote_modes, ws_fanout


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    quick = "--quick" in args
    requote_modes.main(["--quick"] if quick else [])
    ws_fanout.main(["--seconds", "10"] if quick else [])


if __name__ == "__main__":
    main()
