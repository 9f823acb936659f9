"""The pipeline reaches formats and routing through ports, and the strangler and the shadow layer plug into them."""

from __future__ import annotations

import pytest

from pagero.documents import public as documents
from pagero.documents.models import Document
from pagero.formats import public as formats
from shadow.observed import ObservedFormats
from strangler import router
from strangler.adapters import RoutedFormats, RoutedRouting
from strangler.rpc import RemoteFault

from .conftest import timeline
from .factory import document


class RecordingFormats:
    """A formats port that answers locally and remembers what it was asked, for whom."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None, str]] = []

    def validate(self, data: bytes, context: documents.CallContext) -> formats.ValidationReport:
        self.calls.append(("validate", context.tenant_id, context.input_ref))
        return documents.LOCAL_FORMATS.validate(data, context)

    def convert(self, data: bytes, target: str, context: documents.CallContext) -> formats.Conversion:
        self.calls.append((f"convert:{target}", context.tenant_id, context.input_ref))
        return documents.LOCAL_FORMATS.convert(data, target, context)


@pytest.fixture
def installed_formats():
    """Restores whatever port was installed at startup."""
    before = documents.formats_port()
    yield
    documents.install_formats_port(before)


def test_at_startup_the_shadow_observer_wraps_the_strangler_s_routed_ports():
    installed = documents.formats_port()
    assert isinstance(installed, ObservedFormats) and isinstance(installed.inner, RoutedFormats)
    assert isinstance(documents.routing_port(), RoutedRouting)


@pytest.mark.django_db(transaction=True)
def test_the_pipeline_uses_the_installed_formats_port_for_the_sender(eager, acme, nordic, installed_formats):
    from pagero.partners import public as partners

    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    recording = RecordingFormats()
    documents.install_formats_port(recording)
    response = acme.post(document("ubl", number="PORT-1"))
    done = Document.objects.get(pk=response.json()["id"])
    assert done.status == "delivered", timeline(done)
    ref = f"{done.id}:original"
    assert recording.calls == [("validate", acme.id, ref), ("convert:cii", acme.id, ref)]


@pytest.mark.django_db(transaction=True)
def test_a_port_that_fails_internally_fails_the_document_with_a_reason_not_a_verdict(
    eager, acme, nordic, installed_formats
):
    from pagero.partners import public as partners

    class Broken(RecordingFormats):
        def convert(self, data, target, context):
            raise RuntimeError("converter crashed")

    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    documents.install_formats_port(Broken())
    done = Document.objects.get(pk=acme.post(document("ubl", number="PORT-2")).json()["id"])
    assert done.status == "failed"
    assert "internal error while converting" in done.status_reason and "converter crashed" in done.status_reason


@pytest.mark.django_db
def test_an_internal_failure_of_the_remote_service_falls_back_to_local_and_counts_against_the_breaker(
    monkeypatch, settings
):
    from strangler.models import ContextRoute

    ContextRoute.objects.create(context="formats", mode="remote")
    settings.CONTEXT_BREAKER_THRESHOLD = 2
    router.BREAKERS.clear()

    def remote_bug(method, *args, timeout=None):
        raise RemoteFault("KeyError: 'settlement'")

    monkeypatch.setattr(router, "call_remote", remote_bug)
    data = document("ubl", number="PORT-3")
    first = router.call("formats.convert", data, "cii", tenant_id=1)
    assert first.route == "local-fallback" and first.result.data.startswith(b"<?xml")
    router.call("formats.convert", data, "cii", tenant_id=1)
    assert router.call("formats.convert", data, "cii", tenant_id=1).route == "local-circuit-open"
    router.BREAKERS.clear()
