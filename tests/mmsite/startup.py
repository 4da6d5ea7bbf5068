"""Django started in a child process with chosen environment variables, as an operator
starts it: `manage.py check` (the settings load and the system checks run) or a snippet after
django.setup(). Shared by the settings tests in this package."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A password or token the tests set and then look for in everything printed: never there.
SECRET_PW = "pw-S3CRET-never-printed"


def run_check(**overrides) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SPREAD"))}
    environment.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_python(code: str, **overrides) -> subprocess.CompletedProcess:
    """`code` after django.setup(), with the usual umask 022 (files would be 0644)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SPREAD"))}
    environment.update({"DJANGO_SETTINGS_MODULE": "mmsite.settings", **overrides})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.umask(0o022),
    )
