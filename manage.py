#!/usr/bin/env python
"""Django's command-line utility: `python manage.py runbot` runs the bot."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mmsite.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from mmsite import startup_errors

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:  # a bad setting: one paragraph, exit 2
        sys.exit(startup_errors.report(exc))


if __name__ == "__main__":
    main()
