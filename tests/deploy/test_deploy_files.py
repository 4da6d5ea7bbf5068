"""The deployment files in deploy/ are checked against the code, since no Docker engine can
build here: the compose file's services and commands (each a real management command with
options runbot accepts, or daphne on a real ASGI app), every environment variable it sets is
a setting the bot reads, the Dockerfile copies paths that exist and never the secrets, and
the systemd unit runs runbot with 45 s to stop cleanly (systemd-analyze verify, when the
machine has it, on a copy pointed at this checkout)."""

from __future__ import annotations

import configparser
import getpass
import importlib
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands, load_command_class

from mmsite import env
from mmsite.databases import postgres_database

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
APP_SERVICES = {"migrate", "web", "worker"}


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def check_command(argv: list[str]) -> None:
    """A command the image can run: manage.py's (with options it parses) or daphne's app."""
    if argv[:2] == ["python", "manage.py"]:
        name, options = argv[2], argv[3:]
        app = get_commands().get(name)
        assert app is not None, f"manage.py has no command {name!r}"
        parser = load_command_class(app, name).create_parser("manage.py", name)
        parser.parse_args(options)  # exits (fails the test) on an unknown option
        return
    assert argv[0] == "daphne", argv
    module, _, attribute = argv[-1].partition(":")
    assert hasattr(importlib.import_module(module), attribute), argv[-1]
    assert argv[argv.index("-p") + 1] == "8000"


def test_compose_runs_the_split_deployment():
    services = compose()["services"]
    assert set(services) == {"redis", "postgres"} | APP_SERVICES
    for name in APP_SERVICES:
        service = services[name]
        context = (DEPLOY / service["build"]["context"]).resolve()
        assert context == ROOT and (context / service["build"]["dockerfile"]).is_file()
        check_command(service["command"])
        assert service["env_file"] == "../.env" and (DEPLOY / "../.env.example").resolve().is_file()
        assert "mmdata:/data" in service["volumes"]
    assert services["worker"]["command"][2:] == ["runbot", "--engine-only"]
    assert services["worker"]["stop_grace_period"] == "45s"
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"], "the dashboard stays on loopback"
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert set(compose()["volumes"]) == {"mmdata", "pgdata"}


def test_compose_sets_only_real_settings_for_the_bot():
    assert settings.configured  # every settings variable has been read by now
    app_env = compose()["services"]["web"]["environment"]
    assert set(app_env) <= env.READ_VARIABLES, set(app_env) - env.READ_VARIABLES
    assert app_env["CHANNEL_LAYER"] == "redis" and app_env["REDIS_URL"] == "redis://redis:6379/0"
    assert app_env["DATABASE_URL"].startswith("postgres://mm:${POSTGRES_PASSWORD")
    assert app_env["DATABASE_URL"].endswith("@postgres:5432/mm")
    url = re.sub(r"\$\{POSTGRES_PASSWORD[^}]*\}", "pw", app_env["DATABASE_URL"])
    database = postgres_database(url, 60, 30000)
    assert (database["HOST"], database["NAME"], database["USER"]) == ("postgres", "mm", "mm")


def dockerfile() -> list[tuple[str, str]]:
    lines, pending = [], ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        if raw.strip().startswith("#") or not raw.strip():
            continue
        pending += raw.rstrip("\\").strip() + " "
        if not raw.endswith("\\"):
            instruction, _, rest = pending.strip().partition(" ")
            lines.append((instruction.upper(), rest.strip()))
            pending = ""
    return lines


def test_the_dockerfile_copies_what_exists_and_runs_the_web_tier():
    instructions = dockerfile()
    copies = [shlex.split(rest)[:-1] for op, rest in instructions if op == "COPY"]
    sources = [source for sources in copies for source in sources]
    assert sources and all((ROOT / s).exists() for s in sources), sources
    for package in ("manage.py", "mmsite", "trading", "dashboard", "templates", "static"):
        assert package in sources
    assert not any(s.startswith((".env", "var")) for s in sources), "no secrets in the image"
    check_command(json.loads(dict(instructions)["CMD"]))
    assert dict(instructions)["USER"] == "mm", "the bot does not run as root"
    assert "DATA_DIR=/data" in dict(instructions)["ENV"]
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {".env", "**/.env", "var/"} <= set(ignored)


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((DEPLOY / "standx-mm.service").read_text())
    return parser


def test_the_systemd_unit_runs_runbot_and_gives_it_time_to_cancel():
    service = unit()["Service"]
    assert service["ExecStart"].split()[1:] == ["manage.py", "runbot"]
    assert service["ExecStart"].split()[0].endswith("/.venv/bin/python")
    assert service["ExecStartPre"].split()[1:] == ["manage.py", "migrate", "--noinput"]
    assert (service["TimeoutStopSec"], service["KillSignal"]) == ("45", "SIGTERM")
    assert service["Restart"] == "on-failure"
    check_command(["python", *service["ExecStart"].split()[1:]])


def test_systemd_analyze_verifies_the_unit(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    text = (DEPLOY / "standx-mm.service").read_text()
    home = "/home/mm/standx-mm"
    (tmp_path / "env").write_text("")
    text = (
        text.replace(f"EnvironmentFile={home}/.env", f"EnvironmentFile={tmp_path / 'env'}")
        .replace(home, str(ROOT))
        .replace("User=mm", f"User={getpass.getuser()}")
    )
    copy = tmp_path / "standx-mm.service"
    copy.write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_operations_guide_uses_the_files():
    guide = (ROOT / "docs" / "operations.md").read_text()
    for name in ("deploy/standx-mm.service", "deploy/compose.yaml", "deploy/Dockerfile"):
        assert name in guide, name
    assert "[Service]" not in guide, "the unit lives in deploy/, not copied into the guide"
