from django.contrib import admin
from django.urls import include, path

urlpatterns = [path("admin/", admin.site.urls), path("", include("dashboard.urls"))]

# A database error becomes a quick 503 (JSON under /api/) instead of a 500 page.
handler500 = "dashboard.errors.server_error_or_unavailable"
