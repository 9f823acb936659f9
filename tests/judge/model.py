"""An independent reading of a UBL or CII invoice: KoSIT's EN 16931 semantic model, made comparable.

KoSIT's stylesheets (vendored in `kosit/`, Apache-2.0, from itplr-kosit/xrechnung-visualization) turn a UBL
Invoice/CreditNote or a CII CrossIndustryInvoice into one syntax-neutral model whose every element names its
business term (`xr:id="BT-n"` / `"BG-n"`). They share no code and no assumption with our readers and writers, so the
model of a source document and the model of its conversion can be compared to judge the converter.

`semantic_model(data)` runs the stylesheet and normalises the syntax-binding differences listed in the corpus README
(`../shared/corpus/kosit-xrechnung-visualization/README.md`), each by one function below, and nothing else.
`compare(source, output)` flattens both into `(path, value)` leaves whose path keeps the BG nesting with an ordinal per
repeated group (`BG-25[2]/BG-29/BT-146`: line 2's price is never line 1's) and returns every path whose values
differ. Repeated groups of the output are paired with the source's by content before ordinals are given, so one
inserted or lost group reads as that group, not as every later group shifting.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

from lxml import etree

KOSIT = Path(__file__).resolve().parent / "kosit"
XR = "urn:ce.eu:en16931:2017:xoev-de:kosit:standard:xrechnung-1"
XR_ID = f"{{{XR}}}id"
XR_SRC = f"{{{XR}}}src"
XSL = "http://www.w3.org/1999/XSL/Transform"
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"

STYLESHEETS = {
    UBL_INVOICE: ("ubl", KOSIT / "ubl-invoice-xr.xsl"),
    UBL_CREDIT_NOTE: ("ubl", KOSIT / "ubl-creditnote-xr.xsl"),
    CII: ("cii", KOSIT / "cii-xr.xsl"),
}

# Groups that may repeat in EN 16931 (and BG-DEX-01, XRechnung's sub-invoice line): they always carry an ordinal,
# so that a lost second line reads as `BG-25[2]` missing.
REPEATABLE_GROUPS = frozenset(
    {"BG-1", "BG-3", "BG-17", "BG-20", "BG-21", "BG-23", "BG-24", "BG-25", "BG-27", "BG-28", "BG-32", "BG-DEX-01"}
)


class NotJudgeable(ValueError):
    """The document is not a UBL Invoice/CreditNote or a CII CrossIndustryInvoice."""


@dataclass
class SemanticModel:
    """KoSIT's model of one document (normalised) and the document itself, to resolve `xr:src` paths in."""

    syntax: str
    tree: etree._Element
    document: etree._Element

    def terms(self) -> list[tuple[str, str]]:
        """The sorted `(path, value)` leaves, ordinals given in document order."""
        return sorted((leaf.path, leaf.value) for leaf in flatten(self.tree, _own_labels(self.tree)))


# -- running KoSIT's stylesheets ----------------------------------------------------------------------------------
class _Saxon:
    """One Saxon processor per process; each stylesheet compiled once, on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processor = None
        self._compiled: dict[Path, object] = {}

    def transform(self, stylesheet: Path, document: str) -> str:
        from saxonche import PySaxonProcessor

        with self._lock:
            if self._processor is None:
                self._processor = PySaxonProcessor(license=False)
            if stylesheet not in self._compiled:
                compiler = self._processor.new_xslt30_processor()
                self._compiled[stylesheet] = compiler.compile_stylesheet(stylesheet_file=str(stylesheet))
            node = self._processor.parse_xml(xml_text=document)
            return self._compiled[stylesheet].transform_to_string(xdm_node=node)


SAXON = _Saxon()
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def semantic_model(data: bytes) -> SemanticModel:
    """KoSIT's model of a UBL or CII document, with the syntax-binding differences normalised."""
    document = etree.fromstring(data, _PARSER)
    namespace = etree.QName(document).namespace
    if namespace not in STYLESHEETS:
        raise NotJudgeable(f"KoSIT's stylesheets read UBL Invoice/CreditNote and CII invoices, not {document.tag}")
    syntax, stylesheet = STYLESHEETS[namespace]
    normalise_boolean_indicators(document)
    output = SAXON.transform(stylesheet, etree.tostring(document, encoding="unicode"))
    tree = etree.fromstring(output.encode("utf-8"), _PARSER)
    for step in READING_CORRECTIONS + NORMALISATIONS:
        step(tree, syntax, document)
    return SemanticModel(syntax, tree, document)


# -- numeric terms, read from the stylesheets themselves ----------------------------------------------------------
def _numeric_terms() -> frozenset[str]:
    """BTs whose value KoSIT formats as amount, unit price, quantity or percentage: xsd:decimal in both syntaxes."""
    numeric = {"amount", "unit_price_amount", "quantity", "percentage"}
    terms: set[str] = set()
    for _, path in STYLESHEETS.values():
        for template in etree.parse(str(path), _PARSER).iter(f"{{{XSL}}}template"):
            mode = template.get("mode") or ""
            calls = {call.get("name") for call in template.iter(f"{{{XSL}}}call-template")}
            if mode.startswith("BT-") and calls & numeric:
                terms.add(mode)
    return frozenset(terms)


NUMERIC_TERMS = _numeric_terms()


# -- the normalisations: one per syntax-binding difference the corpus README lists ---------------------------------
def normalise_boolean_indicators(document: etree._Element) -> None:
    """`ChargeIndicator` is xsd:boolean in both syntaxes, so `1`/`0` are `true`/`false` (README: ChargeIndicator).

    KoSIT's stylesheets select allowances (BG-20, BG-27) and charges (BG-21, BG-28) by comparing the text with
    `'true'`/`'false'` literally; without this an allowance written `0` would vanish from the model. This one is
    applied to the document before the stylesheet runs.
    """
    for element in document.iter(f"{{{CBC}}}ChargeIndicator", f"{{{UDT}}}Indicator"):
        parent = element.getparent()
        if element.tag == f"{{{UDT}}}Indicator" and (
            parent is None or etree.QName(parent).localname != "ChargeIndicator"
        ):
            continue
        text = (element.text or "").strip()
        if text in {"0", "1"}:
            element.text = "true" if text == "1" else "false"


def split_ubl_note_subject(model: etree._Element, syntax: str, document: etree._Element) -> None:
    """UBL `cbc:Note` written `#CODE#text` carries BT-21 (subject code) and BT-22 (README: cbc:Note).

    UBL has no element for BT-21; BR-CL-08 reads the code from the `#CODE#` prefix, whereas CII has
    `ram:SubjectCode` and `ram:Content`. KoSIT's UBL stylesheet leaves the prefix in BT-22: split it as CII states it.
    """
    if syntax != "ubl":
        return
    for note in model.iter(f"{{{XR}}}INVOICE_NOTE"):
        text = _child(note, "BT-22")
        if text is None or _child(note, "BT-21") is not None:
            continue
        match = re.fullmatch(r"#([^#]*)#(.*)", text.text or "", re.S)
        if match:
            code = etree.Element(f"{{{XR}}}Invoice_note_subject_code", {XR_ID: "BT-21", XR_SRC: text.get(XR_SRC, "")})
            code.text = match.group(1)
            text.text = match.group(2)
            note.insert(list(note).index(text), code)


# The identifier "schemes" that only select which term an identifier is, per syntax.
SELECTING_SCHEMES = {"cii": {"BT-31": "VA", "BT-48": "VA", "BT-63": "VA", "BT-32": "FC"}, "ubl": {"BT-90": "SEPA"}}


def drop_selecting_schemes(model: etree._Element, syntax: str, document: etree._Element) -> None:
    """`schemeID="FC"` on BT-32 (CII) and `schemeID="SEPA"` on BT-90 (UBL) are markers (README: schemeID).

    CII tells a tax registration apart by `ram:SpecifiedTaxRegistration/ram:ID/@schemeID`: `VA` makes it the VAT
    identifier (BT-31 seller, BT-48 buyer, BT-63 tax representative), `FC` the tax registration (BT-32). UBL tells
    them apart by `cac:TaxScheme/cbc:ID` instead, and marks BT-90 among the party identifiers by `SEPA`. EN 16931
    gives none of these terms an identification scheme, so the marker is not a term value.
    """
    markers = SELECTING_SCHEMES[syntax]
    for element in model.iter():
        marker = markers.get(element.get(XR_ID, ""))
        if marker and element.get("scheme_identifier") == marker:
            del element.attrib["scheme_identifier"]


def drop_order_reference_placeholder(model: etree._Element, syntax: str, document: etree._Element) -> None:
    """UBL `cac:OrderReference/cbc:ID` `NA` beside BT-14 is no BT-13 (README: OrderReference).

    UBL makes `cac:OrderReference/cbc:ID` mandatory when only BT-14 (sales order reference) exists; CII states
    BT-14 (`ram:SellerOrderReferencedDocument`) without any purchase order reference.
    """
    if syntax != "ubl":
        return
    order = _child(model, "BT-13")
    if order is not None and (order.text or "").strip() == "NA" and _child(model, "BT-14") is not None:
        model.remove(order)


def drop_invoiced_object_from_supporting_documents(
    model: etree._Element, syntax: str, document: etree._Element
) -> None:
    """UBL `cac:AdditionalDocumentReference` with `cbc:DocumentTypeCode` 130 is BT-18 (README: UBL-SR-43).

    KoSIT's UBL stylesheet reports such a reference as BT-18 and also as a BG-24 (BT-122 = the same identifier);
    CII states BT-18 as `ram:AdditionalReferencedDocument` with `ram:TypeCode` 130 and the CII stylesheet lists no
    BG-24 for it. The BG-24 copy is dropped when the UBL element it was read from has type code 130.
    """
    if syntax != "ubl":
        return
    for group in list(model):
        if group.get(XR_ID) != "BG-24":
            continue
        referenced = resolve_path(document, group.get(XR_SRC, ""))
        if referenced is not None and (referenced.findtext(f"{{{CBC}}}DocumentTypeCode") or "").strip() == "130":
            model.remove(group)


# UNTDID 2475 (CII, event time reference) -> UNTDID 2005 (UBL and EN 16931, date/time period function).
TAX_POINT_CODES_2475_TO_2005 = {"5": "3", "29": "35", "72": "432"}


def map_tax_point_date_code(model: etree._Element, syntax: str, document: etree._Element) -> None:
    """BT-8 codes differ by syntax: CII 5/29/72 (UNTDID 2475) are 3/35/432 (UNTDID 2005) (README: BR-CL-06)."""
    if syntax != "cii":
        return
    for element in model.iter():
        code = (element.text or "").strip()
        if element.get(XR_ID) == "BT-8" and code in TAX_POINT_CODES_2475_TO_2005:
            element.text = TAX_POINT_CODES_2475_TO_2005[code]


def canonical_decimal(text: str) -> str:
    """xsd:decimal lexical forms of one value are one value: `100.`, `100.00`, `+100` and `100` (README: decimal).

    Amounts, unit prices, quantities and percentages are xsd:decimal in UBL and CII alike; the number of written
    decimals carries no business information. A text that is not an xsd:decimal is returned unchanged, so it still
    differs from any other text.
    """
    stripped = text.strip()
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", stripped):
        return text
    try:
        value = Decimal(stripped)
    except InvalidOperation:
        return text
    return "0" if value == 0 else format(value.normalize(), "f")


def normalise_decimals(model: etree._Element, syntax: str, document: etree._Element) -> None:
    """Apply `canonical_decimal` to the numeric terms (as the stylesheets type them, see `NUMERIC_TERMS`)."""
    for element in model.iter():
        if element.get(XR_ID) in NUMERIC_TERMS and element.text is not None:
            element.text = canonical_decimal(element.text)


def drop_tax_currency_equal_to_invoice_currency(model: etree._Element, syntax: str, document: etree._Element) -> None:
    """In UBL, BT-6 equal to BT-5 means "no separate VAT accounting currency" (README: BT-6, CII BR-53).

    Only the UBL form is normalised: CII forbids BT-6 equal to BT-5, so a CII document stating it keeps it and it
    shows as a difference.
    """
    if syntax != "ubl":
        return
    tax, invoice = _child(model, "BT-6"), _child(model, "BT-5")
    if tax is not None and invoice is not None and (tax.text or "").strip() == (invoice.text or "").strip():
        model.remove(tax)


# -- reading rules that are not syntax-binding differences ---------------------------------------------------------
def drop_empty_terms(model: etree._Element, syntax: str, document: etree._Element) -> None:
    """An empty element states no value: a term whose text is empty is no term (its attributes go with it).

    Both syntaxes forbid empty elements (PEPPOL-EN16931-R008, CII-SR rules), and a converter cannot write a value
    nobody gave; without this every empty source element would read as a lost term. A group that held only empty
    terms is removed with them.
    """
    for element in reversed(list(model.iter())):  # children before parents: a group left empty goes too
        parent = element.getparent()
        if parent is not None and len(element) == 0 and not (element.text or "").strip():
            parent.remove(element)


def complete_cii_reference_schemes(model: etree._Element, syntax: str, document: etree._Element) -> None:
    """BT-18-1 / BT-128-1 (scheme of the invoiced object) is CII's `ram:ReferenceTypeCode`, which KoSIT drops.

    The CII stylesheet passes `ram:ReferenceTypeCode` to its `identifier-with-scheme` template but that template
    writes the scheme only when `ram:IssuerAssignedID` itself has a `@schemeID`, which CII never has; the UBL
    stylesheet reports `cbc:ID/@schemeID`. The scheme is read from the referenced CII element, so a scheme the
    CII document does not state is still absent.
    """
    if syntax != "cii":
        return
    for element in model.iter():
        if element.get(XR_ID) not in {"BT-18", "BT-128"} or element.get("scheme_identifier"):
            continue
        issued = resolve_path(document, element.get(XR_SRC, ""))
        parent = issued.getparent() if issued is not None else None
        scheme = parent.findtext(f"{{{RAM}}}ReferenceTypeCode") if parent is not None else None
        if scheme and scheme.strip():
            element.set("scheme_identifier", scheme.strip())


class Step(Protocol):
    def __call__(self, model: etree._Element, syntax: str, document: etree._Element) -> None: ...


NORMALISATIONS: tuple[Step, ...] = (
    split_ubl_note_subject,
    drop_selecting_schemes,
    drop_order_reference_placeholder,
    drop_invoiced_object_from_supporting_documents,
    map_tax_point_date_code,
    normalise_decimals,
    drop_tax_currency_equal_to_invoice_currency,
)
READING_CORRECTIONS: tuple[Step, ...] = (drop_empty_terms, complete_cii_reference_schemes)


# -- the comparable form -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Leaf:
    path: str  # `BG-25[2]/BG-29/BT-146`, an attribute as `BT-29@scheme_identifier`
    value: str
    src: str  # where the stylesheet read it in the document (xr:src)


def _name(element: etree._Element) -> str:
    return element.get(XR_ID) or etree.QName(element).localname


def _groups(element: etree._Element) -> dict[str, list[etree._Element]]:
    groups: dict[str, list[etree._Element]] = {}
    for child in element:
        if isinstance(child.tag, str) and len(child):
            groups.setdefault(_name(child), []).append(child)
    return groups


def _step(name: str, ordinal: int, count: int) -> str:
    return f"{name}[{ordinal}]" if name in REPEATABLE_GROUPS or count > 1 else name


def _own_labels(tree: etree._Element) -> dict[etree._Element, str]:
    labels: dict[etree._Element, str] = {}
    for element in tree.iter():
        for name, members in _groups(element).items():
            for ordinal, member in enumerate(members, 1):
                labels[member] = _step(name, ordinal, len(members))
    return labels


def _signature(group: etree._Element) -> Counter[tuple[str, str]]:
    """The group's content without ordinals, to pair a repeated group of the output with the source's."""
    return Counter((re.sub(r"\[\d+\]", "", leaf.path), leaf.value) for leaf in flatten(group, {}, ""))


def _pair_labels(source: etree._Element, output: etree._Element) -> tuple[dict, dict]:
    """Ordinals for both trees, the output's repeated groups paired with the source's by shared content."""
    left: dict[etree._Element, str] = {}
    right: dict[etree._Element, str] = {}

    def pair(src_parent: etree._Element | None, out_parent: etree._Element | None) -> None:
        src_groups = _groups(src_parent) if src_parent is not None else {}
        out_groups = _groups(out_parent) if out_parent is not None else {}
        for name in sorted(set(src_groups) | set(out_groups)):
            s, o = src_groups.get(name, []), out_groups.get(name, [])
            count = max(len(s), len(o))
            for i, member in enumerate(s, 1):
                left[member] = _step(name, i, count)
            s_sig, o_sig = [_signature(a) for a in s], [_signature(b) for b in o]
            scores = sorted(
                (-sum((a & b).values()), abs(i - j), i, j) for i, a in enumerate(s_sig) for j, b in enumerate(o_sig)
            )
            matched: dict[int, int] = {}
            for score, _, i, j in scores:
                if score < 0 and i not in matched and j not in matched.values():
                    matched[i] = j
            # What shares nothing is paired in document order, so that a changed group reads value by value.
            free_s = [i for i in range(len(s)) if i not in matched]
            free_o = [j for j in range(len(o)) if j not in matched.values()]
            for i, j in zip(free_s, free_o, strict=False):
                matched[i] = j
            for i, j in matched.items():
                right[o[j]] = left[s[i]]
                pair(s[i], o[j])
            extra = [j for j in range(len(o)) if j not in matched.values()]
            for n, j in enumerate(extra, len(s) + 1):
                right[o[j]] = _step(name, n, max(count, n))
                pair(None, o[j])
            for i in range(len(s)):
                if i not in matched:
                    pair(s[i], None)

    pair(source, output)
    return left, right


def flatten(element: etree._Element, labels: dict[etree._Element, str], prefix: str = "") -> Iterator[Leaf]:
    for child in element:
        if not isinstance(child.tag, str):
            continue
        step = labels.get(child, _name(child))
        path = f"{prefix}/{step}" if prefix else step
        if len(child):
            yield from flatten(child, labels, path)
            continue
        src = child.get(XR_SRC, "")
        yield Leaf(path, (child.text or "").strip(), src)
        for attribute, value in sorted(child.attrib.items()):
            if not attribute.startswith(f"{{{XR}}}"):
                yield Leaf(f"{path}@{attribute}", value.strip(), src)


# -- comparing ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Surplus:
    """A value one side has `count` more times than the other, and every xr:src it was read from on that side."""

    value: str
    count: int
    srcs: tuple[str, ...]


@dataclass(frozen=True)
class Difference:
    """One path whose values differ: values only the source has (`missing`), values only the output has (`extra`)."""

    path: str
    missing: tuple[Surplus, ...]
    extra: tuple[Surplus, ...]

    @property
    def term(self) -> str:
        return re.sub(r"\[\d+\]$", "", self.path.rsplit("/", 1)[-1].split("@", 1)[0])

    @property
    def groups(self) -> list[str]:
        return [re.sub(r"\[\d+\]$", "", step) for step in self.path.split("/")[:-1]]

    def __str__(self) -> str:
        def show(values: tuple[Surplus, ...]) -> str:
            shown = [s.value if len(s.value) <= 60 else f"{s.value[:57]}..." for s in values for _ in range(s.count)]
            return " | ".join(repr(v) for v in shown) or "(absent)"

        return f"{self.path}: source {show(self.missing)} -> output {show(self.extra)}"


def compare(source: SemanticModel, output: SemanticModel) -> list[Difference]:
    """Every path whose multiset of values differs between the two models, in path order."""
    left_labels, right_labels = _pair_labels(source.tree, output.tree)
    left = list(flatten(source.tree, left_labels))
    right = list(flatten(output.tree, right_labels))
    missing = Counter((leaf.path, leaf.value) for leaf in left) - Counter((leaf.path, leaf.value) for leaf in right)
    extra = Counter((leaf.path, leaf.value) for leaf in right) - Counter((leaf.path, leaf.value) for leaf in left)

    def surplus(leaves: list[Leaf], counts: Counter[tuple[str, str]], path: str) -> tuple[Surplus, ...]:
        return tuple(
            Surplus(value, n, tuple(leaf.src for leaf in leaves if (leaf.path, leaf.value) == (path, value)))
            for (p, value), n in sorted(counts.items())
            if p == path
        )

    paths = sorted({path for path, _ in missing} | {path for path, _ in extra})
    return [Difference(path, surplus(left, missing, path), surplus(right, extra, path)) for path in paths]


class Reported(Protocol):
    """What the converter says it could not carry over (`ConversionWarning`: a BT/BG id and/or a document path)."""

    term: str | None
    path: str


def unexplained(
    differences: Iterable[Difference], warnings: Iterable[Reported], source: SemanticModel, output: SemanticModel
) -> list[Difference]:
    """The differences not every value of which is named by a warning: by its BT, an enclosing BG, or its path.

    A warning's path explains a value when it points at the element the value was read from or at one of its
    ancestors (the document element itself explains nothing: it contains every value). When a value occurs several
    times and fewer times on the other side, as many of its occurrences as are missing must be named.
    """
    warnings = list(warnings)
    terms = {part.strip() for w in warnings if w.term for part in re.split(r"[/,]", w.term)}

    def named(values: tuple[Surplus, ...], document: etree._Element) -> bool:
        return all(sum(_named(src, document, warnings) for src in s.srcs) >= s.count for s in values)

    return [
        difference
        for difference in differences
        if not (terms & {difference.term, *difference.groups})
        and not (named(difference.missing, source.document) and named(difference.extra, output.document))
    ]


def _named(src: str, document: etree._Element, warnings: list[Reported]) -> bool:
    element = resolve_path(document, src)
    if element is None:
        return False
    # Elements, not id()s: lxml makes element proxies on demand, and a freed proxy's id() can be reused.
    lineage = [element, *element.iterancestors()]
    for warning in warnings:
        target = resolve_path(document, warning.path or "")
        if target is not None and target is not document and any(target is e for e in lineage):
            return True
    return False


def resolve_path(document: etree._Element, path: str) -> etree._Element | None:
    """The element a path like `/ubl:Invoice/cac:InvoiceLine[2]/cbc:ID` (or `/Invoice/...`, `.../@unitCode`) names.

    Steps are matched by local name, so KoSIT's `xr:src` (the document's own prefixes) and the converter's warning
    paths (fixed prefixes, an unprefixed root) resolve alike; an attribute step resolves to its element.
    """
    steps = [s for s in path.split("/") if s]
    if not steps or any(c in path for c in " |("):
        return None
    if steps[-1].startswith("@"):
        steps = steps[:-1]
    node: etree._Element | None = None
    for step in steps:
        match = re.fullmatch(r"(?:[\w.-]+:)?([\w.-]+)(?:\[(\d+)\])?", step)
        if match is None:
            return None
        name, index = match.group(1), int(match.group(2) or 1)
        candidates = [document] if node is None else [c for c in node if isinstance(c.tag, str)]
        named = [c for c in candidates if etree.QName(c).localname == name]
        if len(named) < index:
            return None
        node = named[index - 1]
    return node


def _child(element: etree._Element, term: str) -> etree._Element | None:
    for child in element:
        if child.get(XR_ID) == term:
            return child
    return None
