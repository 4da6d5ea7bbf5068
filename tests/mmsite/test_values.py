"""Bad values stop startup with a clear error naming the variable, and strategy settings that
would start a requote loop (or a spread the forms refuse) stop it saying why."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mmsite.startup import run_check


@pytest.mark.parametrize(
    "name,value,expected",
    [
        ("SPREAD_BPS", "abc", "SPREAD_BPS='abc' is not valid: expected a decimal number"),
        ("SPREAD_BPS", "-5", "SPREAD_BPS='-5' is not valid: expected a number greater than 0"),
        ("SPREAD_BPS", "NaN", "SPREAD_BPS='NaN' is not valid: expected a finite decimal number"),
        (
            "MAX_CONSECUTIVE_FAILURES",
            "2.5",
            "MAX_CONSECUTIVE_FAILURES='2.5' is not valid: expected a whole number",
        ),
        ("STANDX_MODE", "demo", "STANDX_MODE='demo' is not valid: expected one of sim, paper"),
        ("REQUOTE_MODE", "yolo", "expected one of make_before_break, cancel_first"),
        ("WEB_PORT", "70000", "WEB_PORT='70000' is not valid: expected a number of at most 65535"),
        ("STANDX_WS_URL", "perps.standx.com", "expected a URL starting with ws:// or wss://"),
        (
            "SYMBOL",
            "DOGE-USD",
            "SYMBOL='DOGE-USD' is not valid: expected one of BTC-USD, ETH-USD, XAU-USD, XAG-USD",
        ),
        ("LOG_FORMAT", "xml", "LOG_FORMAT='xml' is not valid: expected one of plain, json"),
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL is not valid"),
        (
            "REWARD_SCHEDULE",
            "sip6",
            "REWARD_SCHEDULE='sip6' is not valid: expected one of sip5a, uptime-original, or "
            "the path of a .toml schedule file.",
        ),
    ],
)
def test_bad_value_stops_startup_naming_the_variable(name, value, expected):
    result = run_check(**{name: value})
    assert result.returncode == 2
    assert expected in result.stderr
    # One paragraph that says what to do, not a traceback with the answer on its last line.
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 3
    assert "Fix it in .env (or the environment) and start again." in result.stderr


def test_a_reward_schedule_file_that_fails_validation_stops_startup_saying_why(tmp_path):
    schedule = tmp_path / "mine.toml"
    text = (Path(__file__).resolve().parents[2] / "trading/schedules/sip5a.toml").read_text()
    schedule.write_text(text.replace("weights = [[0, 2.0]", "weights = [[0, 0.1]"))
    result = run_check(REWARD_SCHEDULE=str(schedule))
    assert result.returncode == 2
    assert (
        f"cannot start: REWARD_SCHEDULE='{schedule}' is not valid: {schedule}: weights must "
        "not grow with distance (0.1 at 0 bps, 0.8 at 5 bps)." in result.stderr
    )
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 3
    schedule.write_text(text)
    assert run_check(REWARD_SCHEDULE=str(schedule)).returncode == 0


def test_the_traceback_of_a_bad_value_is_shown_at_debug_level():
    result = run_check(SPREAD_BPS="abc", LOG_LEVEL="debug")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "SPREAD_BPS='abc' is not valid" in result.stderr


LOOP_WHY = "replaced at once: a requote loop; make SPREAD_BPS wider than PROXIMITY_GUARD_BPS"


@pytest.mark.parametrize(
    "overrides,expected",
    [
        ({"SPREAD_BPS": "0.5"}, "SPREAD_BPS (0.5) is not wider than PROXIMITY_GUARD_BPS (1)."),
        ({"SPREAD_BPS": "0.9"}, LOOP_WHY),
        ({"SPREAD_BPS": "2", "PROXIMITY_GUARD_BPS": "5"}, LOOP_WHY),
        ({"SPREAD_BPS": "1", "PROXIMITY_GUARD_BPS": "1"}, LOOP_WHY),
        (
            {"SPREAD_BPS": "1", "MAX_SPREAD_DEVIATION_BPS": "1"},
            "make MAX_SPREAD_DEVIATION_BPS wider than PROXIMITY_GUARD_BPS",
        ),
    ],
)
def test_settings_that_guarantee_a_requote_loop_stop_startup_saying_why(overrides, expected):
    result = run_check(**overrides)
    assert result.returncode != 0
    assert "cannot start: The strategy settings would start a requote loop." in result.stderr
    assert expected in result.stderr


def test_a_spread_beyond_the_deviation_cap_stops_startup():
    """The first bot row is made from these values; the forms refuse it, so must the start."""
    result = run_check(SPREAD_BPS="300")
    assert result.returncode != 0
    assert "SPREAD_BPS (300) is wider than MAX_SPREAD_DEVIATION_BPS (200)" in result.stderr


def test_a_spread_just_wider_than_the_guard_starts():
    assert run_check(SPREAD_BPS="1.01").returncode == 0


def test_the_split_web_tier_reports_a_bad_value_as_one_paragraph_too(tmp_path):
    """`daphne mmsite.asgi:application` (the split deployment's web tier) loads the settings
    itself: the same paragraph and exit status, no traceback."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STANDX_")}
    environment.update({"SPREAD_BPS": "abc", "DATA_DIR": str(tmp_path)})
    result = subprocess.run(
        [
            Path(sys.executable).parent / "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            "0",
            "mmsite.asgi:application",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot start: SPREAD_BPS='abc' is not valid" in result.stderr
    assert "Traceback" not in result.stderr
