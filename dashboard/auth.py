"""Who may look at and control the bot.

Three ways in, all ending in a staff user (or a script holding the API token):
- a one-time login link printed by `runbot` (a newcomer has no account yet);
- the normal login page, for users made with `createsuperuser`;
- `Authorization: Bearer <API_TOKEN>` for scripts calling /api/* or /ws (disabled when empty).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.views import LoginView, redirect_to_login
from django.db import transaction
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from dashboard.models import LoginToken

LINK_LIFETIME = dt.timedelta(minutes=15)
LOCAL_ADMIN = "admin"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_login_link(base_url: str) -> str:
    """A URL that logs a browser in once, within LINK_LIFETIME, as the local admin."""
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        LoginToken.objects.filter(expires_at__lt=now).delete()  # keep the table tiny
        LoginToken.objects.create(token_hash=_digest(token), expires_at=now + LINK_LIFETIME)
    return base_url.rstrip("/") + reverse("login-link", args=[token])


def redeem_login_token(token: str):
    """The local admin user if `token` is valid, unused and unexpired; else None.

    The claim is one conditional UPDATE, so two concurrent requests cannot both use it."""
    now = timezone.now()
    claimed = LoginToken.objects.filter(
        token_hash=_digest(token), used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    return local_admin() if claimed else None


def local_admin():
    """The superuser the login link logs in as; made on first use without a password
    (so nobody can guess one), which also makes /admin work for a newcomer."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=LOCAL_ADMIN, defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_operator(user) -> bool:
    """Only staff may see or steer the bot (every account here is made by an admin)."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def api_token_matches(presented: str | None) -> bool:
    """Constant-time comparison with settings.API_TOKEN; an empty setting disables tokens."""
    expected = settings.API_TOKEN
    if not expected or not presented:
        return False
    return hmac.compare_digest(presented.encode(), expected.reveal().encode())


def bearer_from_headers(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The bearer token of an ASGI scope's headers (WebSocket clients that are scripts)."""
    for name, value in headers:
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    return None


NOT_STAFF = "This account is not a staff user: only staff may see or steer the bots."


def operator_required(view):
    """Pages send strangers to the login page; a logged-in user who is not staff gets a 403
    page (sending them to the login page would bounce them straight back: a loop); anything
    else gets a plain 403."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if is_operator(request.user):
            return view(request, *args, **kwargs)
        if request.method == "GET" and not request.htmx:
            if request.user.is_authenticated:
                return not_staff_page(request)
            return redirect_to_login(request.get_full_path())
        return HttpResponseForbidden("Log in as a staff user first.")

    return guarded


def not_staff_page(request):
    return render(
        request,
        "refused.html",
        {"title": "Not allowed", "message": NOT_STAFF, "offer_logout": True},
        status=403,
    )


class OperatorLoginView(LoginView):
    """The login page; only an operator is sent on at once. A logged-in user who is not
    staff sees the form (to log in as someone else) instead of bouncing between the page
    they asked for and this one."""

    def dispatch(self, request, *args, **kwargs):
        self.redirect_authenticated_user = is_operator(request.user)
        return super().dispatch(request, *args, **kwargs)
