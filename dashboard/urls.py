from django.contrib.auth import views as auth_views
from django.urls import path, re_path
from django.views.generic import RedirectView

from dashboard import health, metrics, views
from dashboard.api import api, docs_asset, unknown_path
from dashboard.auth import OperatorLoginView

urlpatterns = [
    path("", views.index, name="index"),
    # The single-bot paths of before: they act on the bot "default".
    path("control/<str:action>", views.control, name="control"),
    path("config", views.config, name="config"),
    path("bots/", views.overview, name="overview"),
    # No trailing slash: cannot be mistaken for the page of a bot named "kill-all".
    path("bots/kill-all", views.kill_all, name="kill-all"),
    path("bots/<slug:name>/", views.bot_page, name="bot-page"),
    path("bots/<slug:name>/control/<str:action>", views.control, name="bot-control"),
    path("bots/<slug:name>/config", views.config, name="bot-config"),
    path("bots/<slug:name>/switch-to-band", views.switch_to_band, name="bot-switch-band"),
    path("accounts/link/<str:token>", views.login_link, name="login-link"),
    path("accounts/login/", OperatorLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("api/assets/<str:name>", docs_asset, name="api-asset"),
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", unknown_path),  # after the API's own paths
    # For monitors: /healthz without login, /metrics (Prometheus) with the API token.
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    # The original bot served its API docs at /docs.
    path("docs", RedirectView.as_view(url="/api/docs", permanent=False)),
]
