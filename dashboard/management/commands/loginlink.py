"""`python manage.py loginlink`: a fresh one-time dashboard login link.

For when runbot's link was used or expired, and for split deployments, where the web tier
(daphne) prints none. Like runbot's, it is valid once, for 15 minutes, and only its hash is
stored; it is printed to this terminal, not logged.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from dashboard.auth import issue_login_link


class Command(BaseCommand):
    help = "Print a one-time login link to the dashboard (valid once, for 15 minutes)."

    def add_arguments(self, parser) -> None:
        host = settings.WEB_HOST
        shown = f"[{host}]" if ":" in host else host
        parser.add_argument(
            "--url",
            default=f"http://{shown}:{settings.WEB_PORT}/",
            help="where the dashboard is served (default: WEB_HOST:WEB_PORT)",
        )

    def handle(self, *args, url: str, **options) -> None:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise CommandError(f"--url {url!r} is not an http(s) URL") from None
        self.stdout.write(issue_login_link(url))
