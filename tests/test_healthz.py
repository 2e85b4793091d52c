"""/healthz reports the database, the broker and the workers, for monitors and load balancers."""

from __future__ import annotations

import pytest
from celery import Celery
from django.test import Client

from hygie.celery import broker_config
from hygie.core import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login_with_database_and_broker_status(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] and body["broker"]["ok"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_an_unreachable_broker_is_reported(tmp_path: object) -> None:
    app = Celery("unreachable")
    app.conf.update(broker_config("redis://127.0.0.1:1/0", tmp_path))  # type: ignore[arg-type]
    result = health.check_broker(app)
    assert result == {**result, "ok": False, "mode": "redis"}
    assert "Error" in result["error"]


def test_healthz_is_503_when_a_dependency_fails(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "check_broker", lambda: {"ok": False, "error": "down"})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_a_bad_broker_url_is_a_clear_error(tmp_path: object) -> None:
    with pytest.raises(ValueError, match="must start with redis"):
        broker_config("kafka://nope", tmp_path)  # type: ignore[arg-type]
