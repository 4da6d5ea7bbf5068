"""ALERT_URLS: Apprise URLs, comma-separated (Telegram, Slack, Discord, email, webhooks...).

The URLs carry the services' tokens, so the setting is a Secret: an error names the entry by
its position and scheme, never the URL itself.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from mmsite.env import Secret

DOCS = "https://github.com/caronc/apprise/wiki (e.g. tgram://BOT_TOKEN/CHAT_ID, json://host/path)"


def split_urls(value: Secret) -> list[str]:
    return [url.strip() for url in value.reveal().split(",") if url.strip()]


def check_alert_urls(value: Secret) -> int:
    """How many alert URLs are configured; ImproperlyConfigured when one of them is not a URL
    Apprise can notify (the message names its position and scheme only)."""
    urls = split_urls(value)
    if not urls:
        return 0
    import apprise  # only when alerts are configured: the default start stays light

    for position, url in enumerate(urls, start=1):
        if apprise.Apprise.instantiate(url) is None:
            scheme = url.partition("://")[0] if "://" in url else "(none)"
            raise ImproperlyConfigured(
                f"ALERT_URLS entry {position} of {len(urls)} (scheme {scheme[:20]!r}) is not a "
                f"notification URL Apprise understands: expected Apprise URLs separated by "
                f"commas, see {DOCS}. The URL is not shown here: it may hold a token."
            )
    return len(urls)
