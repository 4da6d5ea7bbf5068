"""A setting a user can get wrong stops startup with one paragraph, not a traceback.

mmsite/env.py (and the settings' own checks) raise ImproperlyConfigured naming the variable
and the accepted form; `manage.py` and the ASGI entry point (daphne, uvicorn) turn it into
this message and exit status 2. The traceback only with LOG_LEVEL=debug."""

from __future__ import annotations

import os
import sys
import traceback

EXIT_CONFIGURATION = 2


def report(exc: BaseException) -> int:
    if os.environ.get("LOG_LEVEL", "").strip().lower() == "debug":
        traceback.print_exception(exc)
    sys.stderr.write(f"cannot start: {exc}\nFix it in .env (or the environment) and start again.\n")
    return EXIT_CONFIGURATION
