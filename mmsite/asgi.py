"""ASGI entry point: HTTP goes to Django, WebSockets to the dashboard's routing."""

import os
import warnings

from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

from mmsite import startup_errors

# Static files and downloads are FileResponses read from disk in a thread; Django warns that
# it consumes their synchronous iterator under ASGI, once per process, in the trader's
# terminal. That is the intended way here (a few small files), not a problem to act on.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mmsite.settings")
try:
    django_asgi_app = get_asgi_application()
except ImproperlyConfigured as exc:  # daphne/uvicorn would print a traceback
    raise SystemExit(startup_errors.report(exc)) from None

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs apps loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from dashboard.asgi_guards import OriginCheckForSessions  # noqa: E402
from dashboard.fastpath import StatusFastPath  # noqa: E402
from dashboard.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # runbot serves this app with uvicorn and no separate web server, so the app serves its
        # own static files (CSS, htmx from django-htmx, admin): the dashboard works offline.
        # GET /api/status for token-holding scripts is answered from the engine's latest snapshot
        # without Django (dashboard/fastpath.py): cheap, and off the trading loop's back.
        "http": StatusFastPath(ASGIStaticFilesHandler(django_asgi_app)),
        # Browser sessions must come from an allowed Origin; bearer-token scripts need none.
        "websocket": OriginCheckForSessions(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
