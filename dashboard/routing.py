from django.urls import path, re_path

from dashboard.consumers import DashboardConsumer, StateConsumer

websocket_urlpatterns = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
    re_path(r"^ws/?$", StateConsumer.as_asgi()),   # the original README's JSON stream
]
