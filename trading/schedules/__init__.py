"""The reward schedules StandX's maker programmes are scored by, as versioned data.

Each `<name>.toml` here is one schedule with its source and date (docs/standx-protocol.md
§7.5); `load_schedule` reads a bundled one by name, or any TOML file of the same form by
path, and validates it with the pure `trading.core.reward_schedule.parse_schedule`. Whatever
is wrong (a missing file, bad TOML, a value out of range) comes back as a `ScheduleError`
that names the file and the reason.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from trading.core.reward_schedule import RewardSchedule, ScheduleError, parse_schedule

HERE = Path(__file__).resolve().parent
DEFAULT_SCHEDULE = "sip5a"
BUNDLED = tuple(sorted(p.stem for p in HERE.glob("*.toml")))


def schedule_path(name_or_path: str) -> Path:
    """A bundled schedule's file, or the path given (a file ending in .toml)."""
    if name_or_path in BUNDLED:
        return HERE / f"{name_or_path}.toml"
    if name_or_path.endswith(".toml"):
        return Path(name_or_path).expanduser()
    raise ScheduleError(
        f"expected one of {', '.join(BUNDLED)}, or the path of a .toml schedule file"
    )


def load_schedule(name_or_path: str = DEFAULT_SCHEDULE) -> RewardSchedule:
    path = schedule_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScheduleError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScheduleError(f"{path}: not valid TOML ({exc})") from None
    try:
        return parse_schedule(data)
    except ScheduleError as exc:
        raise ScheduleError(f"{path}: {exc}") from None
