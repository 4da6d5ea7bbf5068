"""JSON control API (django-ninja): the original README's paths under /api/ (bot "default")
and the same operations for any bot under /api/bots/<name>/.

Auth: a staff session (the browser; state changes need the CSRF token) or
`Authorization: Bearer <API_TOKEN>` for scripts (CSRF-exempt: no cookie is involved).
Input is parsed strictly (Decimal, extra fields forbidden) and then validated by the same
ModelForm as the dashboard, so there is one set of rules. Responses never carry secrets:
they are built from the engine snapshot and the config's strategy values only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import ninja
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuthIsStaff

from dashboard import controls, positions, throttle
from dashboard.api_schemas import (
    ActionOut,
    BotRowOut,
    ConfigIn,
    ConfigOut,
    FillsOut,
    OrdersOut,
    StatusOut,
    UptimeOut,
    add_retry_after,
    responses,
)
from dashboard.auth import NOT_STAFF, api_token_matches, operator_required
from dashboard.errors import unavailable_json
from dashboard.forms import StrategyForm
from dashboard.money import fills_body
from dashboard.state import (
    DEFAULT_BOT,
    bot_exists,
    bot_or_404,
    current_snapshot,
    orders_body,
    overview_rows,
    plain_values,
    status_body,
    uptime_body,
)
from trading.core import bounded_json


class ApiToken(HttpBearer):
    """The API token. A right one always passes; a wrong one from an address over its
    failure budget is answered 429 (dashboard/throttle.py)."""

    def __call__(self, request: HttpRequest) -> Any:
        # ninja's own reading logs any other scheme's header in full at ERROR under DEBUG:
        # `Token <API_TOKEN>` or Basic credentials in the log. Read it here, log nothing.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return self.authenticate(request, token.strip()) if scheme.lower() == "bearer" else None

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if api_token_matches(token):
            return "api-token"
        wait = throttle.failed(throttle.client_of_request(request))
        if wait is not None:
            raise throttle.TooManyFailures(wait)
        return None


class StaffSession(SessionAuthIsStaff):
    """A staff session; a logged-in user who is not staff is told so (403), not asked to
    log in (401) as if they had not."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None and request.user.is_authenticated:
            raise HttpError(403, NOT_STAFF)
        return user


class OfflineSwagger(DocsBase):
    """Swagger UI from the assets ninja ships, served by us: the dashboard works offline
    (ninja falls back to a CDN when it is not an installed app)."""

    def render_page(self, request, api, **kwargs):
        return render(
            request,
            "dashboard/api_docs.html",
            {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)},
        )


class BoundedParser(Parser):
    """Request bodies nested deeper than a config ever is are refused (400) before the
    parser recurses into them (trading/core/bounded_json.py)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return bounded_json.loads(request.body)


class ControlAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return add_retry_after(super().get_openapi_schema(*args, **kwargs))


api = ControlAPI(
    title="StandX market maker",
    version="1",
    description="Control and observe the bot. Log in on the dashboard first, or "
    "send `Authorization: Bearer <API_TOKEN>`.",
    auth=[ApiToken(), StaffSession()],
    docs=OfflineSwagger(),
    docs_decorator=operator_required,
    urls_namespace="api",
    parser=BoundedParser(),
)


@api.exception_handler(RequestDataTooBig)
def body_too_big(request, exc):
    """Over DATA_UPLOAD_MAX_MEMORY_SIZE: Django's answer would be an HTML 400 page."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return api.create_response(request, {"detail": f"request body over {limit} bytes"}, status=413)


@api.exception_handler(throttle.TooManyFailures)
def too_many_failures(request, exc):
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.wait)
    return response


class ConfigConflict(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("the change conflicts with other values")
        self.errors = errors


@api.exception_handler(ConfigConflict)
def config_conflict(request, exc):
    return api.create_response(request, {"detail": exc.errors}, status=409)


@api.exception_handler(DatabaseError)
def database_unavailable(request, exc):
    return unavailable_json(exc)


BotName = Annotated[
    str,
    ninja.Path(
        description="the bot's name (a slug)",
        example=DEFAULT_BOT,
        pattern=r"^[-a-zA-Z0-9_]+$",
        max_length=40,
    ),
]


def known_bot(name: str) -> str:
    """The name of an existing bot, else a 404: the API never creates a bot (only "default"
    is created on first use, as on a fresh install)."""
    if not bot_exists(name):
        raise HttpError(404, f"unknown bot {name!r}")
    return name


def _who(request) -> str:
    return "api-token" if request.auth == "api-token" else request.user.get_username()


# ---------------------------------------------------------------- one implementation per operation


def _send(request, bot: str, action: str) -> ActionOut:
    sent = controls.send(bot, action, user=_who(request), source="api")
    if not sent.ok:
        raise HttpError(503, sent.detail)
    return ActionOut(action=action, sent=True, detail=sent.detail)


def _status(bot: str) -> dict:
    return status_body(current_snapshot(bot))


def _orders(bot: str) -> dict:
    return orders_body(current_snapshot(bot))


def _uptime(bot: str) -> dict:
    return uptime_body(current_snapshot(bot))


def _fills(bot: str) -> dict:
    return fills_body(bot, current_snapshot(bot))


def _config(request, bot: str, payload: ConfigIn) -> ConfigOut:
    values = payload.model_dump(exclude_unset=True)
    confirmed = values.pop(positions.CONFIRM_FIELD, None) is True
    changes = {k: str(v) for k, v in values.items()}
    if not changes:
        raise ValidationError(
            [{"loc": ["body", "payload"], "msg": "No field to change.", "type": "value_error"}]
        )
    _refuse_unconfirmed_switch(bot, changes.get("symbol"), confirmed)
    form, sent = controls.update_config(
        bot, StrategyForm, changes, user=_who(request), source="api"
    )
    if sent is None:
        # Each value passed its own checks (ConfigIn holds the model's per-field rules), so
        # what the form refused is a rule between fields: a conflict, told field by field.
        # str(): Django yields each message as a str; its stubs say ValidationError | str too.
        raise ConfigConflict(
            [
                {
                    "loc": ["body", "payload", field],
                    "msg": " ".join(str(m) for m in messages),
                    "type": "conflict",
                }
                for field, messages in form.errors.items()
            ]
        )
    form.instance.refresh_from_db()
    return ConfigOut(config=plain_values(form.instance), sent=sent.ok, detail=sent.detail)


def _refuse_unconfirmed_switch(bot: str, symbol: str | None, confirmed: bool) -> None:
    """A symbol change while the bot holds a position on its current symbol: 409, unless
    the request says confirm_open_position: true."""
    warning = positions.switch_warning(bot, bot_or_404(bot).symbol, symbol)
    if warning and not confirmed:
        raise ConfigConflict(
            [
                {
                    "loc": ["body", "payload", "symbol"],
                    "msg": f"{warning} (send {positions.CONFIRM_FIELD}: true)",
                    "type": "open_position",
                }
            ]
        )


# ---------------------------------------------------------------- the original paths: bot "default"

START, STOP, KILL = (
    "Start quoting",
    "Stop quoting and cancel all our exchange orders",
    "Kill switch: cancel everything, stay stopped",
)
STATUS = "State, feeds, market, quotes, positions and balance, failures, latency and config"
ORDERS, FILLS = "Our open orders", "Our latest fills and this hour's fees, PnL and cost"
UPTIME, CONFIG = (
    "This hour's uptime, its tier budget (UTC), the last 24 hours and StandX's own hours",
    "Change strategy values (all valid or none applied)",
)


@api.post("/start", response=responses(ActionOut), summary=START)
def start(request):
    return _send(request, DEFAULT_BOT, "start")


@api.post("/stop", response=responses(ActionOut), summary=STOP)
def stop(request):
    return _send(request, DEFAULT_BOT, "stop")


@api.post("/kill", response=responses(ActionOut), summary=KILL)
def kill(request):
    return _send(request, DEFAULT_BOT, "kill")


@api.get("/status", response=responses(StatusOut), summary=STATUS)
def status(request):
    return _status(DEFAULT_BOT)


@api.get("/orders", response=responses(OrdersOut), summary=ORDERS)
def orders(request):
    return _orders(DEFAULT_BOT)


@api.get("/uptime", response=responses(UptimeOut), summary=UPTIME)
def uptime(request):
    return _uptime(DEFAULT_BOT)


@api.get("/fills", response=responses(FillsOut), summary=FILLS)
def fills(request):
    return _fills(DEFAULT_BOT)


@api.post("/config", response=responses(ConfigOut, config=True), summary=CONFIG)
def config(request, payload: ConfigIn):
    return _config(request, DEFAULT_BOT, payload)


# ---------------------------------------------------------------- every bot by name


@api.get(
    "/bots", response=responses(list[BotRowOut]), summary="Every configured bot's overview row"
)
def bots(request):
    return overview_rows()


@api.post("/bots/{name}/start", response=responses(ActionOut, named=True), summary=START)
def bot_start(request, name: BotName):
    return _send(request, known_bot(name), "start")


@api.post("/bots/{name}/stop", response=responses(ActionOut, named=True), summary=STOP)
def bot_stop(request, name: BotName):
    return _send(request, known_bot(name), "stop")


@api.post("/bots/{name}/kill", response=responses(ActionOut, named=True), summary=KILL)
def bot_kill(request, name: BotName):
    return _send(request, known_bot(name), "kill")


@api.get("/bots/{name}/status", response=responses(StatusOut, named=True), summary=STATUS)
def bot_status(request, name: BotName):
    return _status(known_bot(name))


@api.get("/bots/{name}/orders", response=responses(OrdersOut, named=True), summary=ORDERS)
def bot_orders(request, name: BotName):
    return _orders(known_bot(name))


@api.get("/bots/{name}/uptime", response=responses(UptimeOut, named=True), summary=UPTIME)
def bot_uptime(request, name: BotName):
    return _uptime(known_bot(name))


@api.get("/bots/{name}/fills", response=responses(FillsOut, named=True), summary=FILLS)
def bot_fills(request, name: BotName):
    return _fills(known_bot(name))


@api.post(
    "/bots/{name}/config", response=responses(ConfigOut, named=True, config=True), summary=CONFIG
)
def bot_config(request, name: BotName, payload: ConfigIn):
    return _config(request, known_bot(name), payload)


# Swagger UI's own files, from the installed ninja package (an allow-list, not a directory).
NINJA_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
DOC_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png"}


def unknown_path(request, rest: str = ""):
    """Any other path under /api/: a JSON 404 for everyone, never Django's page (which lists
    every URL pattern under DEBUG, without a login)."""
    return JsonResponse({"detail": f"no API path {request.path}"}, status=404)


def docs_asset(request, name: str):
    if name not in DOC_ASSETS:
        raise Http404(name)
    response = FileResponse(open(NINJA_STATIC / name, "rb"))  # noqa: SIM115  it closes the file
    response["Cache-Control"] = "max-age=86400"
    return response
