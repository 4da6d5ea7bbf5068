"""OpenAPI schema and interactive docs at /api/docs (and /docs), served offline."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_schema_lists_the_original_paths(client_in):
    schema = client_in.get("/api/openapi.json").json()
    assert {
        "/api/start",
        "/api/stop",
        "/api/kill",
        "/api/status",
        "/api/orders",
        "/api/uptime",
        "/api/config",
    } <= set(schema["paths"])
    body = schema["components"]["schemas"]["ConfigIn"]
    assert body.get("additionalProperties") is False


def test_docs_page_uses_only_local_assets(client_in):
    html = client_in.get("/api/docs").content.decode()
    assert "swagger-ui" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    for asset in re.findall(r'(?:src|href)="(/api/assets/[^"]+)"', html):
        assert client_in.get(asset).status_code == 200


def test_only_known_assets_are_served(client_in):
    assert client_in.get("/api/assets/..%2F..%2Fsettings.py").status_code == 404
    assert client_in.get("/api/assets/redoc.standalone.js.map").status_code == 404


def test_old_docs_path_redirects(client_in):
    response = client_in.get("/docs")
    assert response.status_code == 302 and response["Location"] == "/api/docs"


def test_schema_documents_every_answer_with_its_body(client_in):
    """Each operation lists the statuses it can answer and their bodies; 429 and 503 carry
    Retry-After; an empty change is not schema-valid (it is refused)."""
    schema = client_in.get("/api/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            expected = {"200", "401", "403", "429", "503"}
            expected |= {"404", "422"} if "{name}" in path else set()
            expected |= {"400", "409", "422"} if path.endswith("/config") else set()
            assert set(answers) == expected, (method, path, set(answers))
            for status, answer in answers.items():
                assert "schema" in answer["content"]["application/json"], (path, status)
            assert all("Retry-After" in answers[s]["headers"] for s in ("429", "503"))
    config_in = schema["components"]["schemas"]["ConfigIn"]
    assert config_in["minProperties"] == 1
    spread = config_in["properties"]["spread_bps"]["anyOf"]
    assert {"type": "number", "minimum": 0.0001, "maximum": 1000.0, "multipleOf": 0.0001} in spread


def test_response_schemas_drop_nothing(client_in, config):
    """ninja serializes through the response schemas, which drop keys they do not name: the
    answers must carry all the snapshot functions produce (a new snapshot key needs its field)."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from dashboard.state import SNAPSHOT_READS, current_snapshot, overview_rows
    from tests.dashboard.snapshots import make_snapshot, publish_sync

    def plain(value):
        return json.loads(json.dumps(value, cls=NinjaJSONEncoder))

    for read, body in SNAPSHOT_READS.items():  # from the database (its clock moves on)
        answer = client_in.get(f"/api/{read}").json()
        assert set(answer) == set(body(current_snapshot("default"))), read
    publish_sync(make_snapshot())  # an engine's
    for read, body in SNAPSHOT_READS.items():
        assert client_in.get(f"/api/{read}").json() == plain(body(current_snapshot("default"))), (
            read
        )
    assert client_in.get("/api/bots").json() == plain(overview_rows())
