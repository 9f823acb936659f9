"""The FormatsPort contract, as the pipeline calls the port (`validate`, `convert` with a CallContext).

Adapters: the formats context in this process (`LOCAL_FORMATS`), the canned fake (tests/fakes), and the port the
pipeline finds installed (the strangler's routed adapter under the shadow observer) in local mode and in remote mode,
answered by the in-process broker fake or by a real `serve_context formats` over RabbitMQ. A remote answer must be
the same dataclass as the local one, and a refusal the same FormatError class with its code, message, path and term.
"""

from __future__ import annotations

import dataclasses
import functools
from decimal import Decimal

import pytest

from pagero.documents import public as documents
from pagero.formats import public as formats
from tests.exchange.factory import PEPPOL, invoice
from tests.fakes.formats import CannedFormats, format_error

from .conftest import Counted, go_remote, served_remotely

pytestmark = pytest.mark.django_db

CALL = documents.CallContext(tenant_id=7, input_ref="contract:original")
INVOICE = invoice(number="CTR-1")
# A target written in a version of another syntax is detected as that syntax (CII D22B is CII, version D22B).
DETECTED_AS = {"cii-d22b": "cii"}
VALID, _ = formats.write(INVOICE, "ubl")
# The payable amount (BT-115) no longer follows from the totals: EN 16931 rule BR-CO-16 fails.
INVALID, _ = formats.write(
    dataclasses.replace(INVOICE, totals=dataclasses.replace(INVOICE.totals, payable=Decimal("1.00"))), "ubl"
)
# A value no reader can take: refused with the path and the term.
BAD_DATE = VALID.replace(b"<cbc:IssueDate>2026-11-02</cbc:IssueDate>", b"<cbc:IssueDate>2026-13-45</cbc:IssueDate>")
# Input a sender (or an attacker) may send: each is refused with a FormatError of its own class and code.
HOSTILE = {
    "empty": (b"", "empty_document", "the document is empty"),
    "not-a-document": (
        b"hello world",
        "unsupported_format",
        "unsupported format: the document is neither XML nor EDIFACT",
    ),
    "doctype": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        "forbidden_xml_feature",
        "XML with a DOCTYPE (DTD) is not accepted",
    ),
    "truncated-xml": (b"<Invoice", "malformed_xml", "the document is not well-formed XML"),
    "edifact-without-message": (
        b"UNA:+.? 'UNB+UNOC:3'",
        "unsupported_format",
        "EDIFACT interchange without a readable UNH message header",
    ),
}


@functools.cache
def written() -> dict[str, tuple[bytes, list[formats.ConversionWarning]]]:
    """The contract's invoice written in each syntax, once per run (Factur-X renders a PDF)."""
    return {syntax: formats.write(INVOICE, syntax) for syntax in formats.SYNTAXES}


def canned() -> CannedFormats:
    """The fake, given the contract's documents: reports as the rules find them, renditions as written from the
    same invoice, refusals as the readers word them."""
    fake = CannedFormats()
    source = formats.Detected("ubl", "invoice", PEPPOL, "2.1")
    rule_sets = ["xsd", "EN16931", "Peppol BIS Billing 3.0"]
    fake.can(
        VALID,
        source=source,
        report=formats.ValidationReport("ubl", "invoice", PEPPOL, rule_sets),
        renditions={syntax: data for syntax, (data, _) in written().items()},
        warnings={syntax: list(notes) for syntax, (_, notes) in written().items() if notes},
    )
    br_co_16 = formats.Finding(
        "BR-CO-16", "fatal", "[BR-CO-16]-Amount due for payment (BT-115) = ...", "/*:Invoice[1]", "BT-115", "EN16931"
    )
    fake.can(INVALID, source=source, report=formats.ValidationReport("ubl", "invoice", PEPPOL, rule_sets, [br_co_16]))
    bad_date = format_error("invalid_value", "BT-2 is not a date (month must be in 1..12): '2026-13-45'")
    bad_date.path, bad_date.term = "/Invoice/cbc:IssueDate", "BT-2"
    fake.refuse(BAD_DATE, bad_date)
    for data, code, message in HOSTILE.values():
        if data:  # the empty document is refused by the fake itself
            fake.refuse(data, format_error(code, message))
    return fake


class FormatsPortContract:
    """What every FormatsPort adapter does; a subclass gives the adapter as the `port` fixture."""

    def test_a_valid_invoice_validates_with_the_rule_sets_it_declares(self, port):
        report = port.validate(VALID, CALL)
        assert report.valid and report.fatal == []
        assert (report.syntax, report.document_type, report.customization) == ("ubl", "invoice", PEPPOL)
        assert {"xsd", "EN16931", "Peppol BIS Billing 3.0"} <= set(report.rule_sets)

    def test_an_invalid_invoice_is_reported_with_the_rule_and_term_it_breaks(self, port):
        report = port.validate(INVALID, CALL)
        assert not report.valid
        assert [(f.rule_id, f.term, f.rule_set) for f in report.fatal] == [("BR-CO-16", "BT-115", "EN16931")]

    @pytest.mark.parametrize("target", [syntax for syntax in formats.SYNTAXES if syntax != "facturx"])
    def test_an_invoice_converts_to_each_syntax_without_losing_anything(self, port, target):
        conversion = port.convert(VALID, target, CALL)
        assert conversion.target == target
        assert (conversion.source.syntax, conversion.source.document_type) == ("ubl", "invoice")
        assert conversion.warnings == []
        assert formats.detect(conversion.data).syntax == DETECTED_AS.get(target, target)
        assert formats.diff_models(INVOICE, formats.parse(conversion.data).invoice) == []

    def test_an_invoice_becomes_factur_x_with_only_its_profile_rewritten(self, port):
        """Factur-X's rules accept only its own profile ids: a Peppol BT-24 becomes the Factur-X profile, noted."""
        conversion = port.convert(VALID, "facturx", CALL)
        assert conversion.warnings and all(
            isinstance(w, formats.ConversionNote) and w.term == "BT-24" for w in conversion.warnings
        )
        assert formats.detect(conversion.data).syntax == "facturx"
        differences = formats.diff_models(INVOICE, formats.parse(conversion.data).invoice)
        assert differences and {term for _, term, _, _ in differences} == {"BT-24"}

    def test_a_conversion_names_its_source_with_the_syntax_version(self, port):
        conversion = port.convert(VALID, "cii", CALL)
        assert conversion.source == formats.Detected("ubl", "invoice", PEPPOL, "2.1")

    @pytest.mark.parametrize("name", list(HOSTILE))
    def test_hostile_input_is_refused_with_its_own_error_class_and_code(self, port, name):
        data, code, message = HOSTILE[name]
        expected = type(format_error(code, message))
        for call in (lambda: port.validate(data, CALL), lambda: port.convert(data, "cii", CALL)):
            with pytest.raises(formats.FormatError) as raised:
                call()
            assert type(raised.value) is expected and raised.value.code == code
            assert raised.value.message.startswith(message)

    def test_a_refusal_keeps_its_path_and_term(self, port):
        with pytest.raises(formats.FormatError) as raised:
            port.convert(BAD_DATE, "cii", CALL)
        error = raised.value
        assert (type(error).__name__, error.code) == ("InvalidValue", "invalid_value")
        assert (error.path, error.term) == ("/Invoice/cbc:IssueDate", "BT-2")
        assert "2026-13-45" in error.message

    def test_an_unknown_target_syntax_is_refused_naming_it(self, port):
        with pytest.raises(formats.FormatError) as raised:
            port.convert(VALID, "pdf", CALL)
        assert raised.value.code == "unsupported_format"
        assert "unknown target syntax 'pdf'" in raised.value.message


class TestLocalFormats(FormatsPortContract):
    @pytest.fixture
    def port(self) -> documents.FormatsPort:
        return documents.LOCAL_FORMATS


class TestCannedFormats(FormatsPortContract):
    @pytest.fixture
    def port(self) -> CannedFormats:
        return canned()


class TestInstalledFormatsInLocalMode(FormatsPortContract):
    @pytest.fixture
    def port(self) -> documents.FormatsPort:
        return documents.formats_port()


class TestInstalledFormatsRemoteInProcess(FormatsPortContract):
    """Remote mode, served in this process by the registry's handlers (tests/fakes/broker.py)."""

    @pytest.fixture
    def port(self, broker):
        go_remote("formats")
        yield from served_remotely(Counted(documents.formats_port()), lambda: len(broker.requests))


@pytest.mark.slow
class TestInstalledFormatsRemoteOverRabbitMQ(FormatsPortContract):
    """Remote mode, served by a `serve_context formats` process over the real RabbitMQ."""

    @pytest.fixture
    def port(self, served_formats):
        go_remote("formats")
        yield from served_remotely(Counted(documents.formats_port()), served_formats.handled)
