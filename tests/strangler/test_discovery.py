"""Service discovery: instances announce themselves with a heartbeat, the router sends only to a context with a live
instance (and says why it answered locally), the console and `context_route` list instances and warn on a switch
nobody would serve."""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pagero.formats import conversion
from strangler import public as contexts
from strangler import router
from strangler.discovery import Heartbeat, forget_cache, is_live, live_instances
from strangler.models import BreakerState, ContextInstance, ContextRoute
from strangler.router import BREAKERS, call, call_remote
from tests.exchange.factory import document
from tests.processes import free_port

from .conftest import ContextService

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_instances(settings, monkeypatch):
    """No instance is known at the start (rows of processes earlier tests killed may still look live), and no
    reason for answering locally was noted by this process yet (the notes are throttled per process)."""
    monkeypatch.setattr(router, "_noted", {})
    settings.CONTEXT_INSTANCE_TTL_SECONDS = 15.0
    settings.CONTEXT_CALL_TIMEOUT_SECONDS = 5.0
    ContextInstance.objects.all().delete()
    BREAKERS.clear()
    forget_cache()
    yield
    BREAKERS.clear()
    forget_cache()


@pytest.fixture
def broker_elsewhere(settings) -> Iterator[str]:
    """A broker is configured, at an address where nothing listens: a call that is really sent fails there."""
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
    contexts.CLIENT.reset()
    yield settings.CELERY_BROKER_URL
    contexts.CLIENT.reset()


def seen(context: str, seconds_ago: float, version: str = "1.4.0", pid: int = 4242) -> ContextInstance:
    """The row a heartbeat leaves, for an instance last seen that long ago."""
    now = timezone.now()
    return ContextInstance.objects.create(
        instance_id=f"{context}{pid}",
        context=context,
        version=version,
        host="svc-a",
        pid=pid,
        started_at=now - timedelta(hours=1),
        last_seen=now - timedelta(seconds=seconds_ago),
    )


def test_a_heartbeat_announces_the_instance_with_its_version_and_a_clean_stop_withdraws_it():
    heartbeat = Heartbeat("formats", version="2.3.1")
    heartbeat.start()
    try:
        [instance] = live_instances("formats")
        assert (instance.version, instance.pid, instance.host) == ("2.3.1", os.getpid(), socket.gethostname())
        assert live_instances("routing") == []
        first_seen = instance.last_seen
        heartbeat.beat()
        assert live_instances("formats")[0].last_seen > first_seen
    finally:
        heartbeat.stop()
    assert live_instances("formats") == [] and not ContextInstance.objects.exists()


def test_an_instance_is_live_while_seen_within_the_bound():
    seen("formats", 14.0)
    seen("routing", 16.0, pid=7)
    assert [i.pid for i in live_instances()] == [4242]
    assert is_live("formats") and not is_live("routing")


def test_remote_mode_without_a_live_instance_answers_locally_at_once_and_records_why(broker_elsewhere):
    ContextRoute.objects.create(context="formats", mode="remote")
    data = document("ubl")
    routed = call("formats.convert", data, "cii", tenant_id=1)
    assert routed.route == "local-no-instance"
    # Refused before anything is sent (NoLiveInstance, not a timeout): nobody waits out the 5 s call timeout.
    with pytest.raises(contexts.NoLiveInstance):
        call_remote("formats.convert", data, "cii")
    assert conversion.validate_document(routed.result.data).valid
    assert BreakerState.objects.get(context="formats").failures == 0  # nobody failed: nobody was there
    [formats] = [s for s in contexts.status() if s.context == "formats"]
    assert "no live formats instance" in formats.last_local_reason and formats.last_local_at is not None
    assert formats.instances == [] and "no live formats instance" in formats.warnings[0]

    # An instance that announced itself moments ago (and died since): the router does try, and the failure counts.
    seen("formats", 1.0)
    forget_cache()
    routed = call("formats.convert", data, "cii", tenant_id=1)
    assert routed.route == "local-fallback"
    assert BreakerState.objects.get(context="formats").failures == 1


def test_the_embedded_default_answers_locally_and_says_shadow_traffic_needs_the_real_services(settings):
    settings.CELERY_BROKER_URL = ""
    seen("formats", 1.0)  # even an announced instance cannot be reached without a broker
    ContextRoute.objects.create(context="formats", mode="remote")
    assert call("formats.validate", document("ubl"), tenant_id=1).route == "local-no-instance"
    # The shadow candidate (the remote adapter) fails at once instead of slowing the submission it runs in.
    with pytest.raises(contexts.NoLiveInstance, match="no message broker is configured"):
        call_remote("formats.convert", document("ubl"), "cii")
    [warning] = contexts.switch_warnings("formats", "shadow")
    assert "no message broker is configured" in warning and "shadow traffic needs the real services" in warning
    assert "no message broker" in contexts.switch_warnings("formats", "canary")[0]
    assert contexts.switch_warnings("formats", "local") == []


def test_console_lists_live_instances_per_context_and_warns_when_switching_to_nobody(admin_client, broker_elsewhere):
    done = admin_client.post(
        "/admin/strangler/contextroute/set/", {"context": "formats", "mode": "shadow", "reason": "compare"}, follow=True
    )
    page = done.content.decode()
    assert "Formats: shadow" in page
    assert "Warning: no live formats instance" in page and "serve_context formats" in page
    seen("formats", 3.0, version="1.4.0", pid=4242)
    seen("formats", 5.0, version="1.5.0-rc1", pid=4243)
    seen("formats", 40.0, version="0.9.0", pid=99)  # gone: not listed
    page = admin_client.get("/admin/strangler/contextroute/").content.decode()
    listed = page[page.index('id="instances-formats"') : page.index('id="instances-routing"')]
    assert "pid 4242, version <code>1.4.0</code>" in listed and "pid 4243, version <code>1.5.0-rc1</code>" in listed
    assert "pid 99" not in listed
    assert "no live instance" in page[page.index('id="instances-routing"') :]
    assert "Warning: no live formats instance" not in page


def test_context_route_warns_on_a_switch_nobody_serves_and_lists_instances(broker_elsewhere):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "context_route", "set", "formats", "canary", "--percent", "5", "--reason", "try", stdout=out, stderr=err
    )
    assert "formats: canary 5%" in out.getvalue()
    assert "warning: no live formats instance" in err.getvalue()
    seen("formats", 2.0, version="1.4.0")
    out = io.StringIO()
    call_command("context_route", "status", stdout=out)
    text = out.getvalue()
    assert "live: svc-a pid 4242, version 1.4.0" in text
    assert "routing: local" in text and "no live instance" in text.split("routing: local")[1]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_serve_context_processes_announce_themselves_and_a_stopped_context_is_not_waited_for(real_services):
    contexts.set_mode("formats", "remote", actor="test", reason="discovery", override=True)
    services = [ContextService(PAGERO_VERSION="7.1.0"), ContextService(PAGERO_VERSION="7.1.0")]
    for service in services:
        service.start()
    try:
        listed = live_instances("formats")
        assert sorted(i.pid for i in listed) == sorted(s.proc.pid for s in services)
        assert {i.version for i in listed} == {"7.1.0"}
        assert call("formats.convert", document("ubl"), "cii", tenant_id=1).route == "remote"
        for service in services:
            assert service.terminate() == 0
        assert live_instances("formats") == []
        forget_cache()
        # Refused before it is sent: without discovery it would wait out the 5 s timeout on a queue nobody consumes.
        with pytest.raises(contexts.NoLiveInstance, match="no live formats instance"):
            call_remote("formats.convert", document("ubl"), "cii")
        assert call("formats.convert", document("ubl"), "cii", tenant_id=1).route == "local-no-instance"
    finally:
        for service in services:
            service.kill()


def test_serve_context_without_a_broker_says_so_and_announces_nothing(settings):
    settings.CELERY_BROKER_URL = ""
    with pytest.raises(CommandError, match="no message broker is configured: set CELERY_BROKER_URL"):
        call_command("serve_context", "formats")
    assert live_instances() == []
