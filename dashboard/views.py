"""Dashboard pages and controls: plain views over dashboard.controls and dashboard.state.

Every view needs a staff user; every state change is a POST checked by Django's CSRF
middleware. htmx posts get the fragment they swap; plain form posts get a redirect.
Bots are addressed by name under /bots/<name>/; the original single-bot paths (/control/...,
/config) act on "default". An unknown name is a 404 and never creates a bot.
"""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dashboard import controls, positions, throttle
from dashboard.auth import operator_required, redeem_login_token
from dashboard.forms import DASHBOARD_FIELDS, BotConfigForm, StrategyForm
from dashboard.render import render_panel, render_panels, render_rows
from dashboard.state import (
    DEFAULT_BOT,
    bot_names,
    bot_or_404,
    current_snapshot,
    overview_rows,
    plain_values,
)
from trading.models import BotConfig

# The change the "cannot earn" banner's one button makes (every other value kept).
SWITCH_TO_BAND = {"quote_strategy": "band"}

CONTROLS = (
    ("start", "Start", ""),
    ("stop", "Stop", ""),
    (
        "kill",
        "Kill",
        "Kill the bot? It cancels every open order and stays stopped until started again.",
    ),
)


@require_GET
@operator_required
def index(request):
    """One bot: its page, as before there were several; two or more: the overview."""
    names = bot_names()
    if len(names) > 1:
        return _overview(request)
    return _page(request, bot_or_404(names[0] if names else DEFAULT_BOT))


@require_GET
@operator_required
def overview(request):
    return _overview(request)


@require_GET
@operator_required
def bot_page(request, name: str):
    return _page(request, bot_or_404(name))


def _overview(request):
    rows = overview_rows()
    return render(
        request, "dashboard/overview.html", {"rows": render_rows(rows), "count": len(rows)}
    )


def _page(request, config: BotConfig, form=None, status=200, confirm_switch: str = ""):
    snapshot = current_snapshot(config.name)
    return render(
        request,
        "dashboard/index.html",
        {
            "bot": config.name,
            "others": [n for n in bot_names() if n != config.name],
            "panels": render_panels(snapshot),
            "form": form or BotConfigForm(instance=config),
            "controls": CONTROLS,
            "confirm_switch": confirm_switch,
        },
        status=status,
    )


def _back(name: str | None):
    """Where a plain (non-htmx) post returns: the page it came from."""
    return redirect("bot-page", name) if name else redirect("index")


def _flash(request, text: str, ok: bool, bot: str = ""):
    return render(
        request,
        "dashboard/partials/_flash.html",
        {"flash": text, "flash_level": "ok" if ok else "bad", "flash_bot": bot},
    )


@require_POST
@operator_required
def control(request, action: str, name: str | None = None):
    if action not in controls.ACTIONS:
        raise Http404("no such control")
    bot = bot_or_404(name or DEFAULT_BOT).name
    sent = controls.send(bot, action, user=request.user.get_username())
    if request.htmx:
        return _flash(request, sent.detail, sent.ok, bot)
    return _back(name)


@require_POST
@operator_required
def kill_all(request):
    """The kill switch for every configured bot; the flash counts who was reached."""
    names = bot_names()
    unreachable = controls.send_all("kill", names, user=request.user.get_username())
    text = f"kill sent to {len(names) - len(unreachable)} of {len(names)} bots"
    if unreachable:
        text += f"; unreachable: {', '.join(unreachable)}"
    if request.htmx:
        return _flash(request, text, not unreachable)
    return redirect("overview")


@require_POST
@operator_required
def config(request, name: str | None = None):
    bot = bot_or_404(name or DEFAULT_BOT)
    # A field the post leaves out keeps its stored value (a form from before quote_strategy
    # was on it); one sent empty is an error like any bad value.
    changes = {k: request.POST[k] for k in DASHBOARD_FIELDS if k in request.POST}
    warning = positions.switch_warning(bot.name, bot.symbol, changes.get("symbol"))
    if warning and not request.POST.get(positions.CONFIRM_FIELD):
        return _confirm_switch(request, bot, changes, warning)
    form, sent = controls.update_config(
        bot.name, BotConfigForm, changes, user=request.user.get_username()
    )
    status = 200 if sent is not None else 422
    if request.htmx:
        return render(
            request,
            "dashboard/partials/_config.html",
            {"form": form, "sent": sent, "bot": bot.name},
            status=status,
        )
    if sent is None:
        return _page(request, bot, form, status=status)
    return _back(name)


def _confirm_switch(request, bot: BotConfig, changes: dict, warning: str):
    """The symbol changes while the bot holds a position on the old one: nothing is saved;
    the form comes back with the trader's values, the reason and a box to confirm (409)."""
    form = BotConfigForm({**plain_values(bot), **changes}, instance=bot)
    context = {"form": form, "bot": bot.name, "confirm_switch": warning}
    if request.htmx:
        return render(request, "dashboard/partials/_config.html", context, status=409)
    return _page(request, bot, form, status=409, confirm_switch=warning)


@require_POST
@operator_required
def switch_to_band(request, name: str):
    """The "cannot earn" banner's one button: quote_strategy=band, every other value kept.
    The flash says what changed; the engine is told as for any config change."""
    bot = bot_or_404(name)
    if all(getattr(bot, name) == value for name, value in SWITCH_TO_BAND.items()):
        return _switched(request, bot.name, "already quoting with band; nothing changed", True)
    form, sent = controls.update_config(
        bot.name, StrategyForm, SWITCH_TO_BAND, user=request.user.get_username()
    )
    if sent is None:
        # str(): Django yields each message as a str, but its stubs type them as
        # ValidationError | str | lazy str.
        errors = " ".join(str(m) for messages in form.errors.values() for m in messages)
        return _switched(request, bot.name, f"not switched: {errors}", False, status=422)
    values = plain_values(form.instance)
    text = (
        f"strategy {bot.quote_strategy} → band: quotes now aim inside "
        f"±{values['uptime_band_bps']} bps of the mark, SPREAD_BPS {values['spread_bps']} "
        f"unused; {sent.detail}"
    )
    return _switched(request, bot.name, text, sent.ok)


def _switched(request, bot: str, text: str, ok: bool, status: int = 200):
    """htmx: the flash, plus the config form (its strategy select must not post the old
    value back) and the strategy panel as out-of-band swaps. A plain post: back to the page."""
    if not request.htmx:
        return redirect("bot-page", bot)
    config = BotConfig.objects.get(name=bot)
    html = "".join(
        [
            render_to_string(
                "dashboard/partials/_flash.html",
                {"flash": text, "flash_level": "ok" if ok else "bad", "flash_bot": bot},
            ),
            render_to_string(
                "dashboard/partials/_config.html",
                {"form": BotConfigForm(instance=config), "bot": bot, "oob": True},
                request=request,
            ),
            render_panel("strategy", current_snapshot(bot), timezone.now(), oob=True),
        ]
    )
    return HttpResponse(html, status=status)


@require_GET
def login_link(request, token: str):
    """The one-time link runbot prints. A used or expired link lands on the login page."""
    user = redeem_login_token(token)
    if user is None:
        throttle.request_failed(request)
        return render(
            request,
            "registration/login.html",
            {"form": AuthenticationForm(request), "link_invalid": True},
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("index")
