"""No secret, key or local-state file is ever tracked: a tracked key is shared by every clone
(an early version committed var/secret_key, so every install signed sessions with one key)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEY_SUFFIXES = (
    ".key",
    ".pem",
    ".p12",
    ".pfx",
    ".sqlite3",
    ".sqlite3-wal",
    ".sqlite3-shm",
    ".sqlite3-journal",
)
KEY_NAMES = {"secret_key", "id_rsa", "id_ecdsa", "id_ed25519", ".env"}


def is_secret_file(path: str) -> bool:
    """Local state (var/), env files (but the .env.example template), keys and databases."""
    name = PurePosixPath(path).name
    return (
        path.startswith("var/")
        or name in KEY_NAMES
        or name.endswith(KEY_SUFFIXES)
        or (name.startswith(".env.") and name != ".env.example")
    )


def tracked_files() -> list[str]:
    result = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, timeout=30)
    if result.returncode != 0:
        pytest.skip("not a git checkout")
    return [p for p in result.stdout.decode().split("\0") if p]


def test_no_key_secret_or_local_state_file_is_tracked():
    offenders = [path for path in tracked_files() if is_secret_file(path)]
    assert not offenders, f"untrack these (git rm --cached) and keep them ignored: {offenders}"


@pytest.mark.parametrize(
    "path,secret",
    [
        ("var/secret_key", True),
        ("var/db.sqlite3", True),
        ("var/anything", True),
        ("deploy/secret_key", True),
        (".env", True),
        ("config/.env.production", True),
        ("certs/server.key", True),
        ("certs/server.pem", True),
        ("db.sqlite3", True),
        ("home/.ssh/id_ed25519", True),
        (".env.example", False),
        ("mmsite/env.py", False),
        ("tests/dashboard/test_secrets_absent.py", False),
        ("docs/var/notes.md", False),
        ("trading/standx/signing.py", False),
    ],
)
def test_the_rule_knows_a_secret_file(path, secret):
    assert is_secret_file(path) is secret


def test_var_is_ignored_so_a_generated_key_is_never_added():
    paths = ["var/secret_key", "var/db.sqlite3", "var/db.sqlite3-wal"]
    result = subprocess.run(
        ["git", "check-ignore", *paths], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    if result.returncode == 128:
        pytest.skip("not a git checkout")
    assert result.stdout.split() == paths, "var/ must be in .gitignore"


# The repository stands alone: code and docs cite its own protocol notes
# (docs/standx-protocol.md §N), never notes outside the checkout.
OUTSIDE_NOTES = re.compile(r"\.\./shared/|\bshared/(standx-protocol|ARCHITECTURE)\.md")
SECTION_CITATION = re.compile(r"§(\d+(?:\.\d+[a-z]?)?)")
PROTOCOL_NOTES = ROOT / "docs" / "standx-protocol.md"


def cites_outside(text: str) -> bool:
    return OUTSIDE_NOTES.search(text) is not None


def tracked_text() -> dict[str, str]:
    texts = {}
    for path in tracked_files():
        try:
            texts[path] = (ROOT / path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue  # images, and files deleted in the working tree
    return texts


def protocol_sections() -> set[str]:
    """Section numbers of docs/standx-protocol.md's headings: "## 7." -> 7, "### 7.3a" -> 7.3a."""
    headings = re.findall(r"^#{2,3} (\d+(?:\.\d+[a-z]?)?)\.? ", PROTOCOL_NOTES.read_text(), re.M)
    return set(headings)


def test_nothing_cites_notes_outside_the_repository():
    offenders = sorted(
        path
        for path, text in tracked_text().items()
        if cites_outside(text) and path != "tests/test_repo_hygiene.py"  # its own examples
    )
    assert not offenders, f"cite docs/standx-protocol.md instead: {offenders}"


def test_every_protocol_section_cited_exists():
    sections = protocol_sections()
    assert {"2.4", "3.3", "5.2", "6", "7.2", "7.3a", "7.5", "11"} <= sections
    missing = []
    for path, text in tracked_text().items():
        for number, line in enumerate(text.splitlines(), 1):
            if "standx-protocol.md" in line or path == "docs/standx-protocol.md":
                missing += [
                    f"{path}:{number} §{cited}"
                    for cited in SECTION_CITATION.findall(line)
                    if cited not in sections
                ]
    assert not missing, f"no such section in docs/standx-protocol.md: {missing}"


@pytest.mark.parametrize(
    "text, outside",
    [
        ("the exchange protocol in `../shared/standx-protocol.md`", True),
        ("(shared/standx-protocol.md): success bodies", True),
        ("house rules in ../shared/ARCHITECTURE.md", True),
        ("see docs/standx-protocol.md §2.4", False),
        ("shared with the StandX client", False),
    ],
)
def test_the_rule_knows_a_citation_outside_the_repository(text, outside):
    assert cites_outside(text) is outside
