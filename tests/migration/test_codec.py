"""What crosses the wire to an extracted formats context means the same on the other side."""

from __future__ import annotations

from migration.contexts import codec
from migration.contexts import contexts_pb2 as pb
from pagero.formats import public as formats


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
