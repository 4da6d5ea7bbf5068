"""Admin: BotConfig validated like the API and announced to the engine; logs read-only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.forms import model_to_dict
from django.test import Client
from django.utils import timezone

from tests.dashboard.conftest import config_row
from trading.models import BotConfig, BotFill, OrderEvent, PnlHour, UptimeHour

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-123456"))
    return client


def _form(config: BotConfig, **changes) -> dict:
    data = {k: "" if v is None else str(v) for k, v in model_to_dict(config).items()}
    return {**data, **changes}


# The engine is told once the change is committed (so it reloads the new row): these tests
# commit for real instead of running inside the test's rolled-back transaction.
@pytest.mark.django_db(transaction=True)
def test_change_is_saved_and_sent_to_the_engine(admin_client, config, sent):
    url = f"/admin/trading/botconfig/{config.pk}/change/"
    response = admin_client.post(url, _form(config, spread_bps="22"))
    assert response.status_code == 302, response.content[:2000]
    assert BotConfig.objects.get(pk=config.pk).spread_bps == Decimal("22")
    assert sent == [{"bot": "default", "action": "config", "user": "root", "source": "admin"}]


@pytest.mark.parametrize(
    "field,value",
    [("spread_bps", "-1"), ("spread_bps", "NaN"), ("symbol", "DOGE-USD"), ("spread_bps", "500")],
)
def test_invalid_change_is_refused(admin_client, config, sent, field, value):
    before = config_row()
    response = admin_client.post(
        f"/admin/trading/botconfig/{config.pk}/change/", _form(config, **{field: value})
    )
    assert response.status_code == 200 and b"errornote" in response.content
    assert config_row() == before and sent == []


@pytest.mark.django_db(transaction=True)
def test_admin_works_without_an_engine(admin_client, config, unreachable_layer):
    response = admin_client.post(
        f"/admin/trading/botconfig/{config.pk}/change/", _form(config, spread_bps="21"), follow=True
    )
    assert response.status_code == 200 and b"not reachable" in response.content
    assert BotConfig.objects.get(pk=config.pk).spread_bps == Decimal("21")


def test_run_state_is_not_editable_here(admin_client, config, sent):
    admin_client.post(
        f"/admin/trading/botconfig/{config.pk}/change/", _form(config, run_state="killed")
    )
    assert BotConfig.objects.get(pk=config.pk).run_state == "running"


def test_uptime_fills_money_and_events_are_read_only_with_filters(admin_client):
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    row = UptimeHour.objects.create(bot="default", hour=hour, two_sided_seconds=1800)
    event = OrderEvent.objects.create(bot="default", at=timezone.now(), kind="fill")
    fill = BotFill.objects.create(
        bot="default", trade_id=7, at=timezone.now(), symbol="BTC-USD", side="buy",
        price="66000", qty="0.001", fee="0.0066", liquidity="maker",
    )  # fmt: skip
    money = PnlHour.objects.create(bot="default", hour=hour, fills=1, fees="0.0066")
    for model, obj in (
        ("uptimehour", row),
        ("orderevent", event),
        ("botfill", fill),
        ("pnlhour", money),
    ):
        listing = admin_client.get(f"/admin/trading/{model}/")
        assert listing.status_code == 200 and b"changelist-filter" in listing.content
        assert (
            b"xfull" in listing.content
            or b"date_hierarchy" in listing.content
            or b"toplinks" in listing.content
        )  # the date hierarchy bar
        assert admin_client.get(f"/admin/trading/{model}/add/").status_code == 403
        change = admin_client.get(f"/admin/trading/{model}/{obj.pk}/change/")
        assert change.status_code == 200 and b'name="_save"' not in change.content
        assert admin_client.post(f"/admin/trading/{model}/{obj.pk}/delete/").status_code == 403
