"""JSON control API (django-ninja), the original README's paths under /api/.

Auth: a staff session (the browser; state changes need the CSRF token) or
`Authorization: Bearer <API_TOKEN>` for scripts (CSRF-exempt: no cookie is involved).
Input is parsed strictly (Decimal, extra fields forbidden) and then validated by the same
ModelForm as the dashboard, so there is one set of rules. Responses never carry secrets:
they are built from the engine snapshot and the config's strategy values only.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import render
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer, SessionAuthIsStaff
from pydantic import ConfigDict, Field

from dashboard import controls
from dashboard.auth import api_token_matches, operator_required
from dashboard.forms import StrategyForm
from dashboard.state import DEFAULT_BOT, current_snapshot, plain_values


class ApiToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return "api-token" if api_token_matches(token) else None


class OfflineSwagger(DocsBase):
    """Swagger UI from the assets ninja ships, served by us: the dashboard works offline
    (ninja falls back to a CDN when it is not an installed app)."""

    def render_page(self, request, api, **kwargs):
        return render(request, "dashboard/api_docs.html", {
            "api": api, "openapi_url": self.get_openapi_url(api, kwargs),
        })


api = NinjaAPI(title="StandX market maker", version="1",
               description="Control and observe the bot. Log in on the dashboard first, or "
                           "send `Authorization: Bearer <API_TOKEN>`.",
               auth=[ApiToken(), SessionAuthIsStaff()], docs=OfflineSwagger(), docs_decorator=operator_required,
               urls_namespace="api")


class ActionOut(Schema):
    action: str
    sent: bool
    detail: str


class ConfigIn(Schema):
    """Any subset of the strategy values; the rest keep their stored values."""
    model_config = ConfigDict(extra="forbid")

    symbol: str | None = None
    spread_bps: Decimal | None = Field(None, allow_inf_nan=False)
    bid_notional: Decimal | None = Field(None, allow_inf_nan=False)
    ask_notional: Decimal | None = Field(None, allow_inf_nan=False)
    refresh_interval: Decimal | None = Field(None, allow_inf_nan=False)
    requote_threshold_bps: Decimal | None = Field(None, allow_inf_nan=False)
    proximity_guard_bps: Decimal | None = Field(None, allow_inf_nan=False)
    max_notional: Decimal | None = Field(None, allow_inf_nan=False)
    max_consecutive_failures: int | None = Field(None, strict=True)
    stale_order_seconds: Decimal | None = Field(None, allow_inf_nan=False)
    max_spread_deviation_bps: Decimal | None = Field(None, allow_inf_nan=False)
    uptime_target_minutes: int | None = Field(None, strict=True)
    uptime_band_bps: Decimal | None = Field(None, allow_inf_nan=False)
    requote_mode: str | None = None


class ConfigOut(Schema):
    config: dict[str, str | int]
    sent: bool
    detail: str


def _send(request, action: str) -> ActionOut:
    sent = controls.send(DEFAULT_BOT, action, user=_who(request), source="api")
    if not sent.ok:
        raise HttpError(503, sent.detail)
    return ActionOut(action=action, sent=True, detail=sent.detail)


def _who(request) -> str:
    return "api-token" if request.auth == "api-token" else request.user.get_username()


@api.post("/start", response=ActionOut, summary="Start quoting")
def start(request):
    return _send(request, "start")


@api.post("/stop", response=ActionOut, summary="Stop quoting and cancel all our exchange orders")
def stop(request):
    return _send(request, "stop")


@api.post("/kill", response=ActionOut, summary="Kill switch: cancel everything, stay stopped")
def kill(request):
    return _send(request, "kill")


@api.get("/status", summary="State, feeds, market, quotes, failures and config")
def status(request) -> dict:
    s = current_snapshot(DEFAULT_BOT)
    keys = ("bot", "state", "state_reason", "mode", "symbol", "feed", "market", "quotes",
            "failures", "position", "token_expires_at", "updated_at", "config")
    return {k: s.get(k) for k in keys} | {"engine_connected": s.get("engine", True)}


@api.get("/orders", summary="Our open orders")
def orders(request) -> dict:
    rows = current_snapshot(DEFAULT_BOT).get("orders") or []
    return {"count": len(rows), "orders": rows}


@api.get("/uptime", summary="This hour's uptime and the last 24 hours")
def uptime(request) -> dict:
    s = current_snapshot(DEFAULT_BOT)
    return {"current": s.get("uptime"), "history": s.get("history") or []}


@api.post("/config", response=ConfigOut, summary="Change strategy values (all valid or none applied)")
def config(request, payload: ConfigIn):
    changes = {k: str(v) for k, v in payload.model_dump(exclude_unset=True).items()}
    if not changes:
        raise ValidationError([{"loc": ["body", "payload"], "msg": "No field to change.",
                                "type": "value_error"}])
    form, sent = controls.update_config(DEFAULT_BOT, StrategyForm, changes,
                                        user=_who(request), source="api")
    if sent is None:
        raise ValidationError([
            {"loc": ["body", "payload", field], "msg": " ".join(messages), "type": "value_error"}
            for field, messages in form.errors.items()])
    form.instance.refresh_from_db()
    return ConfigOut(config=plain_values(form.instance), sent=sent.ok, detail=sent.detail)


# Swagger UI's own files, from the installed ninja package (an allow-list, not a directory).
NINJA_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
DOC_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png"}


def docs_asset(request, name: str):
    if name not in DOC_ASSETS:
        raise Http404(name)
    response = FileResponse(open(NINJA_STATIC / name, "rb"))
    response["Cache-Control"] = "max-age=86400"
    return response
