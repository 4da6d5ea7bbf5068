from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def no_favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every page: answer "nothing here" (cached for a day)
    instead of a 404 that logs a warning line in the trader's terminal each time."""
    response = HttpResponse(status=204)
    response["Cache-Control"] = "public, max-age=86400"
    return response


urlpatterns = [
    path("favicon.ico", no_favicon),
    path("admin/", admin.site.urls),
    path("", include("dashboard.urls")),
]

# A database error becomes a quick 503 (JSON under /api/) instead of a 500 page.
handler500 = "dashboard.errors.server_error_or_unavailable"
