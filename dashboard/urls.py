from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from dashboard import views
from dashboard.api import api, docs_asset

urlpatterns = [
    path("", views.index, name="index"),
    path("control/<str:action>", views.control, name="control"),
    path("config", views.config, name="config"),
    path("accounts/link/<str:token>", views.login_link, name="login-link"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("api/assets/<str:name>", docs_asset, name="api-asset"),
    path("api/", api.urls),
    # The original bot served its API docs at /docs.
    path("docs", RedirectView.as_view(url="/api/docs", permanent=False)),
]
