"""The strangler-fig harness with a real `serve_context formats` process and real RabbitMQ."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from pagero.documents.models import Document
from pagero.formats import conversion
from pagero.partners import public as partners
from shadow.models import Experiment, Observation
from strangler import contexts_pb2
from strangler import public as contexts
from strangler.breaker import CircuitBreaker
from strangler.discovery import forget_cache
from strangler.models import ContextRouteChange
from strangler.router import BREAKERS, breaker, call
from tests.conftest import ROOT, subprocess_env
from tests.exchange.conftest import wait_for
from tests.exchange.factory import document

from .conftest import ContextService, ManualClock

# Tests that start a `serve_context` process reach RabbitMQ and request `real_services` (hence `services`).
pytestmark = [pytest.mark.slow]


@pytest.fixture
def formats_service(real_services):
    service = ContextService()
    service.start()
    yield service
    service.kill()


@pytest.fixture(autouse=True)
def fresh_breakers(settings):
    # The production default: a live remote answers well within it even on a loaded machine, and each call
    # to a dead one costs this long.
    settings.CONTEXT_CALL_TIMEOUT_SECONDS = 5.0
    settings.CONTEXT_BREAKER_THRESHOLD = 2
    settings.CONTEXT_BREAKER_RESET_SECONDS = 3.0
    BREAKERS.clear()
    forget_cache()  # the discovery answer cached by an earlier test
    yield
    BREAKERS.clear()
    forget_cache()


@pytest.fixture
def breaker_clock(settings) -> ManualClock:
    """The formats breaker on a clock the test moves: open and half-open do not depend on how fast calls run."""
    clock = ManualClock()
    BREAKERS["formats"] = CircuitBreaker(
        "formats", settings.CONTEXT_BREAKER_THRESHOLD, settings.CONTEXT_BREAKER_RESET_SECONDS, clock=clock
    )
    return clock


def test_protobuf_code_matches_the_proto_file(tmp_path):
    """The generated module is checked in; it must be what protoc makes of contexts.proto today."""
    source = ROOT / "strangler"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{source}",
            f"--python_out={tmp_path}",
            str(source / "contexts.proto"),
        ],
        check=True,
    )
    assert (tmp_path / "contexts_pb2.py").read_text() == (source / "contexts_pb2.py").read_text()
    assert contexts_pb2.ConvertRequest(target="cii").target == "cii"


@pytest.mark.django_db(transaction=True)
def test_shadow_mode_compares_local_and_remote_on_live_traffic(celery_worker, formats_service, acme, nordic, receiver):
    hook = receiver()
    partners.set_receive_preferences(
        nordic.id, format="edifact", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    contexts.set_mode("formats", "shadow", actor="test", reason="compare the extracted service")
    Experiment.objects.filter(name="formats.convert").update(noise_sample_rate=1.0)
    assert Experiment.objects.get(name="formats.convert").ignore_paths == ["/UNB[*]/4"]
    ids = [acme.post(document("ubl", number=f"SHM-{n}")).json()["id"] for n in range(4)]
    for document_id in ids:
        assert wait_for(document_id).status == "delivered"
    deadline = time.monotonic() + 60
    while Observation.objects.count() < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [o.outcome for o in Observation.objects.all()] == ["match"] * 4
    assert formats_service.handled("formats.convert") >= 4  # the candidate really ran in the other process
    noise = set(Experiment.objects.get(name="formats.convert").noise_paths.values_list("path", flat=True))
    assert "/UNB[*]/5" in noise
    assert len(hook.requests) == 4  # the local answer was delivered, once; the candidate delivered nothing


@pytest.mark.django_db
def test_switching_to_remote_is_gated_and_audited():
    with pytest.raises(contexts.ModeRefused, match="comparison"):
        contexts.set_mode("formats", "remote", actor="test")
    with pytest.raises(contexts.ModeRefused, match="needs a reason"):
        contexts.set_mode("formats", "remote", actor="test", override=True)
    with pytest.raises(contexts.ModeRefused, match="comparison"):
        contexts.set_mode("formats", "canary", percent=50, actor="test")
    contexts.set_mode("formats", "canary", percent=5, actor="test", reason="small canary")  # below the threshold
    contexts.set_mode("formats", "remote", actor="ops:kim", reason="rehearsal", override=True)
    change = ContextRouteChange.objects.first()
    assert (change.to_mode, change.actor, change.gate_overridden) == ("remote", "ops:kim", True)
    contexts.set_mode("formats", "local", actor="ops:kim")  # rollback is never gated


@pytest.mark.django_db
def test_canary_half_of_the_tenants_each_always_the_same_way(formats_service):
    contexts.set_mode("formats", "canary", percent=50, actor="test", reason="canary rehearsal", override=True)
    data = document("ubl")
    routes = {tenant: call("formats.convert", data, "cii", tenant_id=tenant).route for tenant in range(1, 41)}
    remote = [t for t, r in routes.items() if r == "remote"]
    assert 10 <= len(remote) <= 30
    assert set(routes.values()) == {"remote", "local"}
    for tenant in (remote[0], next(t for t, r in routes.items() if r == "local")):
        assert {call("formats.convert", data, "cii", tenant_id=tenant).route for _ in range(3)} == {routes[tenant]}
    remote_answer = call("formats.convert", data, "cii", tenant_id=remote[0]).result
    assert conversion.validate_document(remote_answer.data).valid
    assert remote_answer.data == conversion.convert_document(data, "cii").data


@pytest.mark.django_db
def test_dead_remote_falls_back_and_opens_the_circuit_then_closes_after_restart(formats_service, breaker_clock):
    contexts.set_mode("formats", "remote", actor="test", reason="rehearsal", override=True)
    data = document("ubl")
    assert call("formats.convert", data, "cii", tenant_id=1).route == "remote"
    formats_service.kill()
    first = call("formats.convert", data, "cii", tenant_id=1)
    assert first.route == "local-fallback" and conversion.validate_document(first.result.data).valid
    assert call("formats.convert", data, "cii", tenant_id=1).route == "local-fallback"
    assert breaker("formats").state == "open"
    assert call("formats.convert", data, "cii", tenant_id=1).route == "local-circuit-open"  # not even tried
    formats_service.start()
    breaker_clock.advance(2.9)
    assert call("formats.convert", data, "cii", tenant_id=1).route == "local-circuit-open"  # still within the period
    breaker_clock.advance(0.1)  # the reset period (3 s here) has passed: one trial call goes to the remote
    assert breaker("formats").state == "half-open"
    assert call("formats.convert", data, "cii", tenant_id=1).route == "remote"
    assert breaker("formats").state == "closed"


def remote_calls(service: ContextService) -> int:
    return service.handled("formats.validate") + service.handled("formats.convert")


@pytest.mark.django_db(transaction=True)
def test_switch_to_remote_and_back_loses_and_duplicates_nothing(celery_worker, formats_service, acme, nordic, receiver):
    hook = receiver()
    partners.set_receive_preferences(
        nordic.id, format="cii", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    contexts.set_mode("formats", "remote", actor="test", reason="cutover rehearsal", override=True)
    first = [acme.post(document("ubl", number=f"CUT-A{n}")).json()["id"] for n in range(3)]
    # Rolled back once the extracted service has answered a first call, while the other documents are in flight
    # (switching at once can beat the worker to its first step: then nothing ever went remote).
    deadline = time.monotonic() + 30
    while remote_calls(formats_service) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    contexts.set_mode("formats", "local", actor="test", reason="roll back")
    second = [acme.post(document("ubl", number=f"CUT-B{n}")).json()["id"] for n in range(3)]
    for document_id in first + second:
        assert wait_for(document_id).status == "delivered"
    delivered_ids = [r["headers"]["X-Document-Id"] for r in hook.requests]
    assert sorted(delivered_ids) == sorted(first + second)  # each exactly once
    assert remote_calls(formats_service) >= 1
    for document_id in first + second:
        assert list(Document.objects.get(pk=document_id).events.values_list("kind", flat=True)).count("delivered") == 1


@pytest.mark.django_db(transaction=True)
def test_routing_context_served_remotely_gives_the_local_answer(real_services, nordic):
    service_cmd = [sys.executable, "manage.py", "serve_context", "routing"]
    proc = subprocess.Popen(
        service_cmd,
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout.readline().startswith("serving routing")
        contexts.set_mode("routing", "remote", actor="test", reason="rehearsal", override=True)
        data = document("ubl")
        routed = call("routing.resolve", data, tenant_id=1)
        assert routed.route == "remote"
        assert routed.result.organisation_id == nordic.id and routed.result.matched == "endpoint id 0192:987654325"
        unknown = call("routing.resolve", document("ubl", buyer_endpoint=("0088", "1"), buyer_vat=None), tenant_id=1)
        assert unknown.route == "remote" and not unknown.result.found and unknown.result.tried
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.mark.django_db
def test_console_shows_routes_with_the_gate_and_refuses_without_evidence(admin_client):
    page = admin_client.get("/admin/strangler/contextroute/")
    assert page.status_code == 200 and b"formats" in page.content and b"routing" in page.content
    assert b"shut" in page.content
    refused = admin_client.post(
        "/admin/strangler/contextroute/set/", {"context": "formats", "mode": "remote", "reason": ""}, follow=True
    )
    assert b"Refused" in refused.content
    done = admin_client.post(
        "/admin/strangler/contextroute/set/",
        {"context": "formats", "mode": "remote", "reason": "drill", "override": "on"},
        follow=True,
    )
    assert b"Formats: remote" in done.content  # the admin capitalises messages
    assert ContextRouteChange.objects.get().actor == "admin:admin"
