"""XML input within budget: one nesting depth limit for detect, parse, schema and rules, an element budget, and
"not held" bookkeeping that stays linear and reports at most MAX_UNUSED_WARNINGS paths."""

from __future__ import annotations

import pytest
from lxml import etree

from pagero.formats import errors, public
from pagero.formats.limits import MAX_UNUSED_WARNINGS, MAX_XML_DEPTH, MAX_XML_ELEMENTS
from pagero.formats.ubl.names import NS
from pagero.formats.xml import PathBuilder, XmlSource, parse_xml, readable_path

EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
INVOICE = (
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    f'xmlns:ext="{EXT}">'
    "<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent>{content}</ext:ExtensionContent></ext:UBLExtension>"
    "</ext:UBLExtensions>"
    "<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID><cbc:ID>1</cbc:ID>"
    "<cbc:IssueDate>2026-01-01</cbc:IssueDate><cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
    "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode></Invoice>"
)
# Invoice, UBLExtensions, UBLExtension and ExtensionContent are the first four levels.
LEVELS_ABOVE_CONTENT = 4


def nested(depth: int) -> bytes:
    """An invoice whose deepest element sits at `depth` (the root is level 1), inside a UBL extension."""
    inner = depth - LEVELS_ABOVE_CONTENT
    content = '<x:a xmlns:x="urn:example">' + "<x:a>" * (inner - 1) + "deep" + "</x:a>" * inner
    return INVOICE.format(content=content).encode()


def test_the_depth_limit_itself_is_accepted_everywhere():
    data = nested(MAX_XML_DEPTH)
    assert public.detect(data).syntax == "ubl"
    parsed = public.parse(data)
    assert [w.path.count("/") for w in parsed.warnings] == [MAX_XML_DEPTH]
    report = public.validate(data)  # schema and business rules (Saxon) run on it
    assert "EN16931" in report.rule_sets
    assert any(f.rule_set == "EN16931" for f in report.findings)  # the rules ran and reported (BR-06 and others)


@pytest.mark.parametrize("depth", [MAX_XML_DEPTH + 1, 150, 255])
def test_one_depth_verdict_for_detect_parse_validate_and_convert(depth):
    """Depths 101-255 used to pass lxml and crash Saxon in the business-rule step."""
    data = nested(depth)
    message = f"nests elements {depth} levels deep; the limit is {MAX_XML_DEPTH} levels"
    for call in (public.detect, public.parse, public.validate, lambda d: public.convert(d, "cii")):
        with pytest.raises(errors.DocumentTooComplex, match=message) as caught:
            call(data)
        assert caught.value.code == "document_too_complex"


def test_depth_beyond_what_libxml2_parses_gets_the_same_error():
    with pytest.raises(errors.DocumentTooComplex, match=f"more than 256 levels deep; the limit is {MAX_XML_DEPTH}"):
        public.validate(nested(400))


@pytest.mark.slow  # builds and reads a document of the budget's size
def test_element_budget():
    """One element more than the budget (a 5 MB document, within the size limit) is refused when parsed."""
    data = b"<r>" + b"<a/>" * MAX_XML_ELEMENTS + b"</r>"
    with pytest.raises(errors.DocumentTooComplex, match=f"{MAX_XML_ELEMENTS + 1} elements; the limit is"):
        parse_xml(data)
    with pytest.raises(errors.DocumentTooComplex):
        public.detect(data)
    assert len(parse_xml(b"<r>" + b"<a/>" * (MAX_XML_ELEMENTS - 1) + b"</r>")) == MAX_XML_ELEMENTS - 1


def unknown_elements(count: int) -> bytes:
    return INVOICE.format(content='<x:Bag xmlns:x="urn:example">' + "<x:V>1</x:V>" * count + "</x:Bag>").encode()


def test_unused_element_warnings_are_capped():
    """20,000 unknown siblings in an extension. Numbering the siblings once per element (the former bookkeeping)
    took 53 s for 8,000 of them and would take minutes here; numbered once per parent this runs in well under a
    second. Only the first MAX_UNUSED_WARNINGS are listed, then one warning counts the rest."""
    warnings = public.parse(unknown_elements(20_000)).warnings
    assert len(warnings) == MAX_UNUSED_WARNINGS + 1
    assert warnings[0].path == "/Invoice/UBLExtensions/UBLExtension/ExtensionContent/Bag/V[1]"
    assert warnings[MAX_UNUSED_WARNINGS - 1].path.endswith(f"/Bag/V[{MAX_UNUSED_WARNINGS}]")
    assert warnings[-1].path == "/Invoice"
    assert warnings[-1].message.startswith(f"{20_000 - MAX_UNUSED_WARNINGS} more elements are not held")


def test_unused_paths_number_each_parent_s_children_once():
    """All 20,000 paths, numbered right, with each parent's children visited once (counted, not timed)."""
    root = parse_xml(unknown_elements(20_000))
    source = XmlSource(root, NS)
    visits = []

    class Counting(PathBuilder):
        def position(self, parent, element):
            if parent not in self._positions:
                visits.append(len(parent))
            return super().position(parent, element)

    builder = Counting(NS)
    paths = [builder.of(element) for element in source.unread()]
    bag = [path for path in paths if "/Bag/" in path]  # no reader ran: the invoice's own leaves are there too
    assert bag[0] == "/Invoice/UBLExtensions/UBLExtension/ExtensionContent/Bag/V[1]"
    assert len(bag) == 20_000 and bag[-1].endswith("/Bag/V[20000]") and len(set(bag)) == 20_000
    assert sum(visits) < 20_000 + 20  # each child is numbered once, plus the few ancestors' children


def test_readable_path_positions_only_where_needed():
    root = etree.fromstring(b"<r><a/><b/><a><c/></a></r>")
    assert readable_path(root[2][0], {}) == "/r/a[2]/c"
    assert readable_path(root[1], {}) == "/r/b"
