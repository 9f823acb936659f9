"""The RoutingPort contract, as the pipeline calls the port (`resolve` with a CallContext): found, not found, and
ambiguous, each with the identifiers tried in the routing context's priority order.

Adapters: the routing context in this process (`LOCAL_ROUTING`, over the partner directory in the database), the
dict fake (tests/fakes), and the port the pipeline finds installed (the strangler's routed adapter) in local mode and
in remote mode, answered by the in-process broker fake or by a real `serve_context routing` over RabbitMQ (a process
of its own reading the same database: the tests commit, hence `transaction=True`).
"""

from __future__ import annotations

import pytest

from pagero.documents import public as documents
from pagero.partners import public as partners
from pagero.partners.models import ParticipantIdentifier
from tests.exchange.factory import document
from tests.fakes.routing import DirectoryRouting, Organisation

from .conftest import Counted, go_remote, served_remotely

pytestmark = pytest.mark.django_db(transaction=True)

CALL = documents.CallContext(tenant_id=7, input_ref="contract:original")
NORDIC_ENDPOINT = ("0192", "987654325")
NORDIC_VAT = "NO987654325MVA"
UNKNOWN_GLN = ("0088", "7080000000005")


class PartnerDirectory:
    """The participant directory of the partners context (verified identifiers)."""

    def register(self, name: str, identifiers: list[tuple[str, str]]) -> Organisation:
        org = partners.ensure_organisation(name, name.lower().replace(" ", "-"))
        for scheme, value in identifiers:
            partners.add_identifier(org.id, scheme, value, verified=True)
        return Organisation(org.id, org.name)

    def register_again(self, name: str, scheme: str, value: str) -> Organisation:
        # The partners context refuses this today (one VAT number, one holder, whatever the scheme): written
        # directly, as directory data from before that rule would be.
        org = partners.ensure_organisation(name, name.lower().replace(" ", "-"))
        ParticipantIdentifier.objects.create(organisation_id=org.id, scheme=scheme, value=value, status="verified")
        return Organisation(org.id, org.name)


class DictDirectory:
    def __init__(self, fake: DirectoryRouting) -> None:
        self.fake = fake
        self.next_id = 100

    def register(self, name: str, identifiers: list[tuple[str, str]]) -> Organisation:
        self.next_id += 1
        org = Organisation(self.next_id, name)
        for scheme, value in identifiers:
            # The contract registers VAT numbers under 9908 and vat: the fake keys those by the value alone.
            self.fake.register(value if scheme in ("9908", "vat") else f"{scheme}:{value}", org)
        return org

    def register_again(self, name: str, scheme: str, value: str) -> Organisation:
        return self.register(name, [(scheme, value)])


class RoutingPortContract:
    """What every RoutingPort adapter does; a subclass gives the adapter as `port` and, as `directory`, where the
    adapter finds organisations: `register(name, [(scheme, value), ...])` lets an organisation receive on those
    identifiers, `register_again(name, scheme, value)` gives a VAT number a second holder under another scheme."""

    def test_found_on_the_first_identifier_tried(self, port, directory):
        nordic = directory.register("Nordic Retail AS", [NORDIC_ENDPOINT, ("9908", NORDIC_VAT)])
        decision = port.resolve(document("ubl"), CALL)
        assert decision.found
        assert (decision.organisation_id, decision.organisation_name) == (nordic.id, "Nordic Retail AS")
        assert decision.matched == "endpoint id 0192:987654325"
        assert decision.tried == []
        assert decision.reason == "routed on endpoint id 0192:987654325"

    def test_found_on_a_later_identifier_lists_those_tried_before(self, port, directory):
        nordic = directory.register("Nordic Retail AS", [("9908", NORDIC_VAT)])
        decision = port.resolve(document("ubl", buyer_endpoint=UNKNOWN_GLN), CALL)
        assert decision.organisation_id == nordic.id
        assert decision.matched == f"VAT id {NORDIC_VAT}"
        assert decision.tried == ["endpoint id 0088:7080000000005"]

    def test_not_found_lists_every_identifier_tried_in_order(self, port, directory):
        directory.register("Someone Else AB", [("0007", "5567321707")])
        decision = port.resolve(document("ubl"), CALL)
        assert not decision.found
        assert (decision.organisation_id, decision.organisation_name, decision.matched) == (None, None, None)
        assert decision.tried == ["endpoint id 0192:987654325", f"VAT id {NORDIC_VAT}"]
        assert decision.reason == f"no organisation receives on endpoint id 0192:987654325, VAT id {NORDIC_VAT}"

    def test_an_identifier_held_by_two_organisations_is_ambiguous_and_routes_nowhere(self, port, directory):
        directory.register("Nordic Retail AS", [("9908", NORDIC_VAT)])
        directory.register_again("Nordic Copy AS", "vat", NORDIC_VAT)
        decision = port.resolve(document("ubl", buyer_endpoint=UNKNOWN_GLN), CALL)
        assert not decision.found
        assert decision.tried == ["endpoint id 0088:7080000000005", f"VAT id {NORDIC_VAT} (ambiguous)"]


class TestLocalRouting(RoutingPortContract):
    @pytest.fixture
    def directory(self) -> PartnerDirectory:
        return PartnerDirectory()

    @pytest.fixture
    def port(self) -> documents.RoutingPort:
        return documents.LOCAL_ROUTING


class TestDirectoryRouting(RoutingPortContract):
    @pytest.fixture
    def port(self) -> DirectoryRouting:
        return DirectoryRouting()

    @pytest.fixture
    def directory(self, port) -> DictDirectory:
        return DictDirectory(port)


class TestInstalledRoutingInLocalMode(TestLocalRouting):
    @pytest.fixture
    def port(self) -> documents.RoutingPort:
        return documents.routing_port()


class TestInstalledRoutingRemoteInProcess(TestLocalRouting):
    """Remote mode, served in this process by the registry's handlers (tests/fakes/broker.py)."""

    @pytest.fixture
    def port(self, broker):
        go_remote("routing")
        yield from served_remotely(Counted(documents.routing_port()), lambda: len(broker.requests))


@pytest.mark.slow
class TestInstalledRoutingRemoteOverRabbitMQ(TestLocalRouting):
    """Remote mode, served by a `serve_context routing` process over the real RabbitMQ."""

    @pytest.fixture
    def port(self, served_routing):
        go_remote("routing")
        yield from served_remotely(Counted(documents.routing_port()), served_routing.handled)
