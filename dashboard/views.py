"""Dashboard pages and controls: plain views over dashboard.controls and dashboard.state.

Every view needs a staff user; every state change is a POST checked by Django's CSRF
middleware. htmx posts get the fragment they swap; plain form posts get a redirect.
"""
from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from dashboard import controls
from dashboard.auth import operator_required, redeem_login_token
from dashboard.forms import BotConfigForm
from dashboard.render import render_panels
from dashboard.state import DEFAULT_BOT, current_snapshot
from trading.models import BotConfig

CONTROLS = (
    ("start", "Start", ""),
    ("stop", "Stop", ""),
    ("kill", "Kill", "Kill the bot? It cancels every open order and stays stopped until started again."),
)


@require_GET
@operator_required
def index(request):
    return _page(request, BotConfigForm(instance=BotConfig.load(DEFAULT_BOT)))


def _page(request, form, status=200, **extra):
    snapshot = current_snapshot(DEFAULT_BOT)
    return render(request, "dashboard/index.html", {
        "bot": DEFAULT_BOT, "panels": render_panels(snapshot), "form": form,
        "controls": CONTROLS, **extra,
    }, status=status)


@require_POST
@operator_required
def control(request, action: str):
    if action not in controls.ACTIONS:
        raise Http404("no such control")
    sent = controls.send(DEFAULT_BOT, action, user=request.user.get_username())
    context = {"flash": sent.detail, "flash_level": "ok" if sent.ok else "bad"}
    if request.htmx:
        return render(request, "dashboard/partials/_flash.html", context)
    return redirect("index")


@require_POST
@operator_required
def config(request):
    changes = {k: request.POST.get(k, "") for k in BotConfigForm._meta.fields}
    form, sent = controls.update_config(DEFAULT_BOT, BotConfigForm, changes,
                                        user=request.user.get_username())
    status = 200 if sent is not None else 422
    if request.htmx:
        return render(request, "dashboard/partials/_config.html",
                      {"form": form, "sent": sent}, status=status)
    if sent is None:
        return _page(request, form, status=status)
    return redirect("index")


@require_GET
def login_link(request, token: str):
    """The one-time link runbot prints. A used or expired link lands on the login page."""
    user = redeem_login_token(token)
    if user is None:
        return render(request, "registration/login.html",
                      {"form": AuthenticationForm(request), "link_invalid": True})
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("index")
