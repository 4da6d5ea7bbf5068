"""`make bench`: every benchmark in turn. Pass --quick for a short smoke run."""
from __future__ import annotations

import sys

from bench import requote_modes


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    requote_modes.main(["--quick"] if "--quick" in args else [])


if __name__ == "__main__":
    main()
