"""Writing credentials into a dotenv file (`manage.py standx_login`): each KEY's line is
replaced where it is (also `export KEY=...`; a later duplicate is dropped, since it would
win), missing keys are appended, every other line is kept byte for byte. The new file is
written beside the old one with mode 600 and moved over it in one step, so a crash leaves
the old file or the new one, never half of one, and never a readable copy of a secret."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_ASSIGNMENT = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


def update_env_file(path: Path, values: dict[str, str]) -> None:
    for name, value in values.items():
        if "\n" in value or "\r" in value:
            raise ValueError(f"{name}: a value for a dotenv file cannot span lines")
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    written: set[str] = set()
    kept: list[str] = []
    for line in lines:
        match = _ASSIGNMENT.match(line)
        name = match.group(1) if match else ""
        if name not in values:
            kept.append(line)
        elif name not in written:
            kept.append(f"{name}={values[name]}")
            written.add(name)
    kept += [f"{name}={value}" for name, value in values.items() if name not in written]
    _replace(path, "\n".join(kept) + "\n")


def _replace(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
