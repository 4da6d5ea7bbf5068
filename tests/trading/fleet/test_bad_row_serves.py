"""A bad stored row (a symbol an older version wrote unchecked) never stops the dashboard,
the API and admin from serving, so it can be fixed there; runbot holds back only that bot
(tests/trading/engine/test_runbot_startup.py)."""

import pytest
from django.contrib.auth.models import User

from trading.models import BotConfig


@pytest.mark.django_db
def test_every_page_serves_a_bot_whose_row_has_an_unknown_symbol(client):
    BotConfig.load()
    BotConfig.objects.update(
        symbol="DOGE-USD",
        state_reason="not started: its symbol 'DOGE-USD' is not one this bot knows",
    )
    client.force_login(User.objects.create_superuser("a", "a@example.com", "not-used-123456"))
    row = BotConfig.objects.get()
    for path in (
        "/",
        "/bots/",
        "/bots/default/",
        "/api/status",
        "/admin/trading/botconfig/",
        f"/admin/trading/botconfig/{row.pk}/change/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
