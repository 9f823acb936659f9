"""The fast tier's replayed business rules (tests/formats/recorded_rules.py) give what Saxon gives, replay only what
ran on the same stylesheet folder and text, and replay a refusal as the same refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from pagero.formats.detect import detect
from pagero.formats.validation import rules
from pagero.formats.validation.rules import RulesNotRun
from tests.exchange.factory import document
from tests.formats.recorded_rules import RecordedRules

# A stylesheet that reads a file beside it, as Factur-X's rules read their code database.
STYLESHEET = """<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
  <xsl:template match="/">
    <xsl:variable name="limit" select="number(document('limits.xml')/limits/@elements)"/>
    <svrl:schematron-output>
      <xsl:if test="count(//*) &gt; $limit">
        <svrl:failed-assert id="T-1" flag="fatal" location="/*">
          <svrl:text>More than <xsl:value-of select="$limit"/> elements</svrl:text>
        </svrl:failed-assert>
      </xsl:if>
    </svrl:schematron-output>
  </xsl:template>
</xsl:stylesheet>"""


class NoSaxon:
    """A runner that must not be reached: every report has to come from the store."""

    def parse(self, *args: object) -> None:
        raise AssertionError("Saxon was asked to read a document whose reports are recorded")

    def svrl(self, *args: object) -> None:
        raise AssertionError("Saxon was asked to run a rule set whose report is recorded")


def rule_set(folder: Path, limit: int) -> rules.RuleSet:
    folder.mkdir(exist_ok=True)
    (folder / "limits.xml").write_text(f'<limits elements="{limit}"/>')
    (folder / "rules.xslt").write_text(STYLESHEET)
    return rules.RuleSet("test rules", folder / "rules.xslt")


def findings(runner: object, rule_set: rules.RuleSet, data: bytes) -> list:
    _, root = detect(data)
    return list(runner.run(rule_set, runner.parse(root, data)))  # type: ignore[attr-defined]


def test_a_report_is_run_once_then_replayed(tmp_path, saxon_itself):
    rule_set_ = rule_set(tmp_path / "rules", limit=5)
    data = document("ubl")
    recording = RecordedRules(tmp_path / "store", saxon_itself)
    first = findings(recording, rule_set_, data)
    assert [f.rule_id for f in first] == ["T-1"] and first == findings(saxon_itself, rule_set_, data)
    assert (recording.recorded, recording.replayed) == (1, 0)

    replaying = RecordedRules(tmp_path / "store", NoSaxon())  # type: ignore[arg-type]
    assert findings(replaying, rule_set_, data) == first
    assert (replaying.recorded, replaying.replayed) == (0, 1)


def test_a_changed_file_beside_the_stylesheet_or_a_changed_text_is_run_again(tmp_path, saxon_itself):
    folder = tmp_path / "rules"
    data = document("ubl")
    recording = RecordedRules(tmp_path / "store", saxon_itself)
    assert [f.rule_id for f in findings(recording, rule_set(folder, limit=5), data)] == ["T-1"]
    # A fresh runner, as the next test run makes: the stylesheet's digest is taken again.
    recording = RecordedRules(tmp_path / "store", saxon_itself)
    assert findings(recording, rule_set(folder, limit=100_000), data) == []
    assert findings(recording, rule_set(folder, limit=100_000), document("ubl", number="INV-OTHER")) == []
    assert (recording.recorded, recording.replayed) == (2, 0)


def test_a_refusal_is_replayed_as_the_same_refusal(tmp_path, saxon_itself):
    folder = tmp_path / "rules"
    broken = rule_set(folder, limit=5)
    broken.path.write_text(STYLESHEET.replace("</xsl:stylesheet>", ""))
    with pytest.raises(RulesNotRun) as refused:
        findings(RecordedRules(tmp_path / "store", saxon_itself), broken, document("ubl"))
    assert "test rules rules could not be run" in str(refused.value)
    with pytest.raises(RulesNotRun) as replayed:
        findings(RecordedRules(tmp_path / "store", NoSaxon()), broken, document("ubl"))  # type: ignore[arg-type]
    assert str(replayed.value) == str(refused.value)


@pytest.mark.slow  # compiles the official stylesheets; `make test` runs it
@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_the_official_rules_replay_what_saxon_reported(tmp_path, saxon_itself, syntax):
    data = document(syntax, number="INV-REPLAY").replace(b">380<", b">999<")  # a type code the rules refuse
    detected, _ = detect(data)
    sets, _ = rules.rule_sets_for(detected.syntax, detected.document_type, detected.customization)
    reported = []
    for rule_set_ in sets:
        real = findings(saxon_itself, rule_set_, data)
        assert findings(RecordedRules(tmp_path, saxon_itself), rule_set_, data) == real
        assert findings(RecordedRules(tmp_path, NoSaxon()), rule_set_, data) == real  # type: ignore[arg-type]
        reported += [f.rule_id for f in real]
    assert "BR-CL-01" in reported, reported
