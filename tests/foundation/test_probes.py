"""/healthz, /readyz and /metrics."""

from __future__ import annotations

import pytest

from pagero import cassandra_session
from tests.processes import free_port

pytestmark = pytest.mark.django_db


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_configured_dependency(client, real_services):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "broker", "cassandra"}
    assert all(check["ok"] is True for check in body["checks"].values()), body["checks"]
    assert body["checks"]["cassandra"]["detail"].startswith("cassandra 5.0")


def test_readyz_names_an_unreachable_broker(client, settings, real_services):
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False


def test_readyz_names_an_unreachable_cassandra(client, settings, real_services):
    cassandra_session.shutdown()
    settings.CASSANDRA_PORT = free_port()
    try:
        response = client.get("/readyz")
    finally:
        cassandra_session.shutdown()
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["cassandra"]
    assert "NoHostAvailable" in body["checks"]["cassandra"]["error"]


def test_metrics_count_requests_by_route(client):
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'pagero_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert "pagero_http_request_duration_seconds_bucket" in text
