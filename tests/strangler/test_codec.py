"""What crosses the wire to an extracted formats context means the same on the other side."""

from __future__ import annotations

import pytest

from pagero.formats import public as formats
from strangler import codec
from strangler import contexts_pb2 as pb
from strangler.rpc import RemoteFault, RemoteUnavailable


def test_a_conversion_note_stays_a_note_and_a_warning_a_warning():
    conversion = formats.Conversion(
        formats.Detected("ubl", "invoice", None),
        "cii",
        b"<x/>",
        [formats.ConversionNote("/a", "card network", None), formats.ConversionWarning("/b", "lost", "BT-1")],
    )
    wire = pb.ConvertReply.FromString(codec.conversion_to_proto(conversion).SerializeToString())
    back = codec.conversion_from_proto(wire, "cii")
    assert [type(w) for w in back.warnings] == [formats.ConversionNote, formats.ConversionWarning]
    expected = [("/a", "card network", None), ("/b", "lost", "BT-1")]
    assert [(w.path, w.message, w.term) for w in back.warnings] == expected


def test_a_truncated_report_keeps_its_counts_and_verdict():
    report = formats.ValidationReport("ubl", "invoice", None, ["EN16931"], [], [])
    report.omitted_fatal, report.omitted_warnings = 3, 7
    wire = pb.ValidateReply.FromString(codec.report_to_proto(report).SerializeToString())
    back = codec.report_from_proto(wire)
    assert (back.omitted_fatal, back.omitted_warnings) == (3, 7)
    assert back.valid is False and back.fatal_count == 3
    assert back.scenario == report.scenario  # derived from the customization on either side


def test_a_format_error_raised_remotely_arrives_as_the_same_subclass_with_its_code_path_and_term():
    sent = formats.DocumentTooComplex("nested deeper than 100 levels", path="/Invoice/cac:X", term="BT-1")
    with pytest.raises(formats.DocumentTooComplex) as caught:
        codec.raise_fault(codec.fault_of(sent))
    assert caught.value.code == "document_too_complex"
    assert (caught.value.message, caught.value.path, caught.value.term) == (sent.message, sent.path, sent.term)


def test_an_internal_failure_of_the_remote_side_is_not_a_verdict_on_the_document():
    fault = codec.fault_of(KeyError("settlement"))
    assert fault.code == codec.INTERNAL
    with pytest.raises(RemoteFault) as caught:
        codec.raise_fault(fault)
    assert not isinstance(caught.value, formats.FormatError)
    assert isinstance(caught.value, RemoteUnavailable)  # the router answers locally and counts a breaker failure
    assert "KeyError" in str(caught.value)


def test_an_error_code_this_side_does_not_know_keeps_its_code():
    with pytest.raises(formats.FormatError) as caught:
        codec.raise_fault(pb.Fault(code="a_newer_code", message="something new"))
    assert caught.value.code == "a_newer_code" and caught.value.message == "something new"


def test_no_fault_raises_nothing():
    codec.raise_fault(pb.Fault())
