"""The trading mode on everything the web answers: every page's context (a paper run's
pages say "paper" in the top bar and the title, whatever the bot's state) and every answer's
`X-Trading-Mode` header (the API's too; dashboard/fastpath.py sends the same)."""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.utils.decorators import sync_and_async_middleware

MODE_HEADER = "X-Trading-Mode"


def trading_mode(request) -> dict[str, str]:
    return {"trading_mode": settings.STANDX_MODE}


@sync_and_async_middleware
def mode_header(get_response):
    async def labelled_async(request):
        response = await get_response(request)
        response[MODE_HEADER] = settings.STANDX_MODE
        return response

    def labelled(request):
        response = get_response(request)
        response[MODE_HEADER] = settings.STANDX_MODE
        return response

    return labelled_async if iscoroutinefunction(get_response) else labelled
