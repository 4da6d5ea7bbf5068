"""Local state on disk is private to the user who runs the bot.

DATA_DIR holds the SQLite database (live session keys: whoever reads it can take over an
admin session) and the generated Django secret key (it signs sessions and login links).
Checked at every start, from the settings:

- DATA_DIR is created 0700. An existing one that other users may read or enter is
  tightened to 0700 when it is ours and not a shared directory (one with the sticky bit,
  like /tmp); otherwise a warning says so and it is left alone: chmod-ing a directory
  someone else set up could break more than it fixes.
- The SQLite file is created 0600 before SQLite opens it: SQLite gives its -wal, -shm and
  -journal files the database's own mode, whatever the umask. Existing files that other
  users may read are tightened to 0600, with a warning.
- The secret key file is written 0600 under a private name and linked into place, never
  readable by others for a moment. A key that is public (the one early versions committed
  to git) is replaced.

Warnings go to the "mmsite.datadir" logger; at settings time logging is not configured
yet, so Python prints them on stderr.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import stat
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger("mmsite.datadir")

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
OPEN_TO_OTHERS = 0o077
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
# SHA-256 of secret keys that were published (var/secret_key, tracked in git until the
# fix): an install still holding one shares it with every other such install.
PUBLIC_SECRET_KEYS = frozenset({"fecf683f70795e8d4edcdbd9186157844e60bc60f27b4ac31f4f58f1cb629115"})


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def prepare_data_dir(path: Path) -> None:
    """Create DATA_DIR 0700, or check (and where it is ours, tighten) an existing one."""
    if not path.exists():
        try:
            path.mkdir(mode=PRIVATE_DIR, parents=True)  # the umask can only remove bits
        except OSError as exc:
            raise ImproperlyConfigured(
                f"DATA_DIR {path} cannot be created ({exc.strerror}): the database and the "
                "secret key live there; set DATA_DIR to a writable directory."
            ) from None
        return
    if not path.is_dir():
        raise ImproperlyConfigured(f"DATA_DIR {path} is not a directory.")
    info, mode = path.stat(), mode_of(path)
    if not mode & OPEN_TO_OTHERS:
        return
    if info.st_uid != os.geteuid() or mode & stat.S_ISVTX:
        log.warning(
            "DATA_DIR %s is open to other users (mode %03o) and is not ours to change: "
            "other local users may read the database (live sessions) and the secret "
            "key. Use a private directory (chmod 700 it, or set DATA_DIR).",
            path,
            mode,
        )
        return
    _make_private(path, mode, PRIVATE_DIR, f"DATA_DIR {path}", "open to other users")


def tighten_file(path: Path) -> None:
    """An existing file of ours that others may read becomes 0600 (with a warning)."""
    try:
        mode = mode_of(path)
    except FileNotFoundError:
        return
    if not mode & OPEN_TO_OTHERS:
        return
    _make_private(path, mode, PRIVATE_FILE, str(path), "readable by other users")


def _make_private(path: Path, mode: int, private: int, what: str, exposure: str) -> None:
    """chmod to `private`, and say what was done (or what to do by hand)."""
    try:
        path.chmod(private)
    except OSError as exc:
        log.warning(
            "%s is %s (mode %03o) and could not be made private (%s): chmod %03o it.",
            what,
            exposure,
            mode,
            exc.strerror,
            private,
        )
        return
    log.warning("%s was %s (mode %03o): tightened to %03o.", what, exposure, mode, private)


def secure_sqlite_file(path: Path) -> None:
    """Make the database file exist with mode 0600 before SQLite opens it (an empty file is
    an empty database), and tighten it and its side files if they are open to others."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE))
    except OSError as exc:
        raise ImproperlyConfigured(
            f"The SQLite database {path} cannot be opened for writing ({exc.strerror}); "
            "check DATA_DIR / SQLITE_PATH and their permissions."
        ) from None
    for name in ("", *SQLITE_SIDE_FILES):
        tighten_file(Path(f"{path}{name}"))


def _is_public(key: str) -> bool:
    return hashlib.sha256(key.encode()).hexdigest() in PUBLIC_SECRET_KEYS


def generated_secret_key(key_file: Path) -> str:
    """This install's own key: made once (0600) and kept, so sessions survive restarts."""
    try:
        return _own_secret_key(key_file)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"The secret key file {key_file} cannot be read or written ({exc.strerror}): make "
            "DATA_DIR writable, or set DJANGO_SECRET_KEY."
        ) from None


def _own_secret_key(key_file: Path) -> str:
    if key_file.exists():
        tighten_file(key_file)
        key = key_file.read_text().strip()
        if key and not _is_public(key):
            return key
        if key:
            log.warning(
                "%s holds a secret key that was published with the source code: "
                "replaced with a new one (everyone logs in again).",
                key_file,
            )
        key_file.unlink()
    key = secrets.token_urlsafe(50)
    # Written whole under a private name, then linked into place: another process starting
    # at the same moment either wins the link (we read its key) or reads ours complete.
    draft = key_file.with_name(f".{key_file.name}.{os.getpid()}")
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE), "w") as out:
        out.write(key)
    try:
        os.link(draft, key_file)
    except FileExistsError:
        key = key_file.read_text().strip()
    finally:
        draft.unlink()
    return key
