from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import path, re_path

from dashboard.consumers import DashboardConsumer, OverviewConsumer, StateConsumer

if TYPE_CHECKING:
    from channels.routing import URLRouter, _ExtendedURLPattern

# django.urls.path is typed for Django views (django-stubs); Channels routes its ASGI
# consumers through it, as its documentation does, and URLRouter's stub wants the result
# typed as its own patterns.
# mypy: disable-error-code="arg-type, list-item"
websocket_urlpatterns: list[_ExtendedURLPattern | URLRouter] = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),  # bot "default"
    path("ws/dashboard/<slug:bot>/", DashboardConsumer.as_asgi()),
    path("ws/overview/", OverviewConsumer.as_asgi()),
    path("ws/bots/<slug:bot>/", StateConsumer.as_asgi()),
    re_path(r"^ws/?$", StateConsumer.as_asgi()),  # the original README's JSON stream
]
