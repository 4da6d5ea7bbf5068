#!/usr/bin/env python
"""Django's command-line utility: `python manage.py runbot` runs the bot."""

import os
import sys
import traceback


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mmsite.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        sys.exit(configuration_error(exc))


def configuration_error(exc: Exception) -> int:
    """A setting a user can get wrong (mmsite/env.py names the variable and the accepted
    form): one paragraph, exit status 2; the traceback only with LOG_LEVEL=debug."""
    if os.environ.get("LOG_LEVEL", "").strip().lower() == "debug":
        traceback.print_exc()
    sys.stderr.write(f"cannot start: {exc}\nFix it in .env (or the environment) and start again.\n")
    return 2


if __name__ == "__main__":
    main()
