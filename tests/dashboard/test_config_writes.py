"""A config change writes only the fields it changes: a value the engine (or anyone) writes
while the change is being validated survives it. The engine's write is made at a known
moment, from inside validation, so the interleaving is certain rather than timed; real
concurrent requests are in test_config_concurrency.py."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.forms import model_to_dict
from django.test import Client

from trading.models import BotConfig

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine_kills_during_validation(monkeypatch, config):
    """While the change is validated, the engine's kill switch stores run_state=killed (as
    trading.store does, with an UPDATE of that column)."""
    clean = BotConfig.clean

    def clean_while_the_engine_writes(self):
        BotConfig.objects.filter(pk=config.pk).update(
            run_state="killed", state_reason="kill switch"
        )
        clean(self)

    monkeypatch.setattr(BotConfig, "clean", clean_while_the_engine_writes)


def test_an_api_change_keeps_the_run_state_the_engine_wrote(
    client_in, sent, config, engine_kills_during_validation
):
    response = client_in.post(
        "/api/config", json.dumps({"spread_bps": "20"}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    row = BotConfig.objects.get(pk=config.pk)
    assert (row.spread_bps, row.run_state, row.state_reason) == (
        Decimal("20"),
        "killed",
        "kill switch",
    )


def test_an_admin_change_keeps_the_run_state_the_engine_wrote(
    sent, config, engine_kills_during_validation
):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-123456"))
    form = {k: "" if v is None else str(v) for k, v in model_to_dict(config).items()}
    response = client.post(
        f"/admin/trading/botconfig/{config.pk}/change/", {**form, "bid_notional": "45"}
    )
    assert response.status_code == 302, response.content[:2000]
    row = BotConfig.objects.get(pk=config.pk)
    assert (row.bid_notional, row.run_state) == (Decimal("45"), "killed")


def test_an_unchanged_post_still_marks_the_row_updated(client_in, sent, config):
    """The engine polls updated_at: a save always bumps it, even when no value changed."""
    before = BotConfig.objects.get(pk=config.pk).updated_at
    response = client_in.post(
        "/api/config",
        json.dumps({"spread_bps": str(config.spread_bps)}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert BotConfig.objects.get(pk=config.pk).updated_at > before
