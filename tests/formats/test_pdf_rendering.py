"""The PDF rendering of an invoice: Unicode text in embedded fonts, what a reader needs (parties with their ids,
references, lines, VAT breakdown, payment) with codes by their names, page numbers and a footer naming the
e-invoice, bounded pages for the largest invoices, and PDF/A-3 conformance of our Factur-X output checked by
veraPDF (tests/peers/verapdf, marked slow: it starts manage.py and a JVM).

Text and fonts are read back with pypdf: poppler's pdftotext/pdffonts are not installed on every machine that runs
the suite, pypdf is a requirement of the product."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from pagero.formats import codes, conversion, limits
from pagero.formats.model import (
    Address,
    AllowanceCharge,
    Contact,
    CreditTransfer,
    Delivery,
    Identifier,
    Invoice,
    LineAllowanceCharge,
    Note,
    Payee,
    PaymentInstructions,
    PrecedingInvoice,
    TaxRepresentative,
    VatBreakdown,
)
from pagero.formats.render import blocks, text
from pagero.formats.render.pdf import render_pdf
from tests.exchange.factory import invoice

ROOT = Path(__file__).resolve().parents[2]

# One language a case: seller name, buyer city, an item name and its description, each in the script tested
# (Greek and Cyrillic capitals that look like Latin ones are meant: RUF001 is off for these lines).
LANGUAGES = {
    "polish": ("Przedsiębiorstwo Łódź Sp. z o.o.", "Gdańsk", "Usługa doradcza źdźbło", "Żółta łódź, ćma"),
    "greek": ("Εταιρεία Αθηνών Α.Ε.", "Θεσσαλονίκη", "Συμβουλευτικές υπηρεσίες", "Ώρες εργασίας ψηφιακά"),  # noqa: RUF001
    "czech": ("Příliš žluťoučký kůň s.r.o.", "Čelákovice", "Úpěl ďábelské ódy", "Řeřicha, šťovík"),
    "cyrillic": ("ООО Ромашка", "Москва", "Консультационные услуги", "Щука, ёж, Ђорђе"),  # noqa: RUF001
}


def pdf_text(pdf: bytes) -> str:
    """The text of every page, whitespace runs as one space (a value may wrap in its cell)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def page_texts(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def fonts_of(pdf: bytes) -> list[tuple[str, bool]]:
    """(base font, embedded) of every font every page uses."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            files = descriptor.get_object().keys() if descriptor is not None else set()
            embedded = bool({"/FontFile", "/FontFile2", "/FontFile3"} & set(files))
            found.append((str(font["/BaseFont"]), embedded))
    return found


def positions(pdf: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """(text, x, y) of each text run drawn on a page."""
    runs: list[tuple[str, float, float]] = []

    def visit(run: str, cm: list[float], tm: list[float], _font: object, _size: object) -> None:
        if run.strip():
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            runs.append((run.strip(), x, y))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return runs


def at(runs: list[tuple[str, float, float]], wanted: str) -> tuple[float, float]:
    [(x, y)] = [(x, y) for run, x, y in runs if run == wanted][:1]
    return x, y


def in_language(language: str) -> Invoice:
    seller, city, item, description = LANGUAGES[language]
    model = invoice(number="FV/2026/0042")
    model.seller.name = seller
    model.buyer.address.city = city
    model.lines[0].item.name = item
    model.lines[0].item.description = description
    return model


def full_invoice() -> Invoice:
    """An invoice with the references, identifiers, codes and payment details a reader looks for."""
    model = invoice(number="ACME-2002", purchase_order="PO-4711")
    model.seller.legal_registration_id = Identifier("5567321707", "0007")
    model.seller.contact = Contact(name="Anna Berg", telephone="+46 8 123 45", email="billing@acme.example")
    model.buyer.legal_registration_id = Identifier("987654325", "0192")
    model.contract_reference = "CT-2026-9"
    model.payment_terms = "30 days net, 2% discount within 10 days"
    model.notes = [Note(text="Thank you for your order")]
    model.payment = PaymentInstructions(
        means_code="58",
        remittance_information="RF18 5390 0754 7034",
        credit_transfers=[CreditTransfer(account_id="DE89370400440532013000", service_provider_id="COBADEFFXXX")],
    )
    model.delivery = Delivery(actual_date=model.issue_date)
    first, second = model.lines
    first.item.description = "Senior consultant, on site in Oslo"
    first.quantity, first.net_amount = Decimal("12500.5"), Decimal("625025.00")
    first.price.net_price = Decimal("50.00")
    second.unit_code = "HUR"
    second.vat.category, second.vat.rate = "AE", Decimal("0")
    model.vat_breakdown = [
        VatBreakdown(
            taxable_amount=Decimal("625025.00"), tax_amount=Decimal("156256.25"), category="S", rate=Decimal("25")
        ),
        VatBreakdown(
            taxable_amount=Decimal("100.00"),
            tax_amount=Decimal("0.00"),
            category="AE",
            rate=Decimal("0"),
            exemption_reason="Reverse charge",
        ),
    ]
    model.allowances = [
        AllowanceCharge(amount=Decimal("10.00"), vat_category="S", vat_rate=Decimal("25"), reason="Loyalty")
    ]
    return model


# Unicode ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_non_latin_text_prints_in_embedded_fonts(language: str) -> None:
    pdf = render_pdf(in_language(language))
    shown = pdf_text(pdf)
    for value in LANGUAGES[language]:
        assert value in shown, (value, shown[:400])
    used = fonts_of(pdf)
    assert used, "the PDF uses no font"
    # Every font is a subset of the vendored DejaVu Sans, embedded: no standard font (Helvetica has no Ł, no Greek).
    assert all(embedded for _, embedded in used), used
    assert {re.sub(r"^/[A-Z]{6}\+", "", name) for name, _ in used} <= {"DejaVuSans", "DejaVuSans-Bold"}, used


def test_the_vendored_fonts_and_their_licence_ship_with_the_package() -> None:
    folder = ROOT / "pagero" / "formats" / "render" / "fonts"
    assert (folder / "DejaVuSans.ttf").stat().st_size > 100_000
    assert (folder / "DejaVuSans-Bold.ttf").stat().st_size > 100_000
    assert "Bitstream Vera" in (folder / "LICENSE").read_text()


# What a reader needs ------------------------------------------------------------------------------------------


def test_parties_references_lines_and_payment_are_shown_with_code_names() -> None:
    shown = pdf_text(render_pdf(full_invoice(), syntax="ubl"))
    expected = [
        # seller and buyer with their identifiers
        "Acme Supplies AB",
        "VAT ID: SE556732170701",
        "Legal ID: 0007:5567321707",
        "Endpoint: 0007:5567321707",
        "Contact: Anna Berg, +46 8 123 45, billing@acme.example",
        "Nordic Retail AS",
        "VAT ID: NO987654325MVA",
        "Legal ID: 0192:987654325",
        "Endpoint: 0192:987654325",
        # references
        "Order reference PO-4711",
        "Buyer reference PO-77",
        "Contract reference CT-2026-9",
        "Due date 2026-12-02",
        # lines: name and description, quantities with unit names, thousands separators, rates with %
        "Consulting hour 1",
        "Senior consultant, on site in Oslo",
        "12,500.5 unit",
        "625,025.00",
        "2 hour",
        "Reverse charge",
        # VAT breakdown by category names, amounts with the currency
        "Standard rate",
        "625,025.00 EUR",
        "156,256.25 EUR",
        # document allowance, notes
        "Allowance Loyalty",
        "Thank you for your order",
        # payment: means by name, account, terms
        "Payment means: SEPA credit transfer (58)",
        "IBAN: DE89370400440532013000",
        "BIC: COBADEFFXXX",
        "Payment reference: RF18 5390 0754 7034",
        "Payment terms: 30 days net, 2% discount within 10 days",
    ]
    missing = [value for value in expected if value not in shown]
    assert missing == [], shown
    assert "25%" in shown and "0%" in shown
    # codes never stand alone where a name is known
    assert " C62" not in shown and " HUR" not in shown and "means: 58" not in shown


def test_vat_breakdown_is_right_aligned_under_the_lines() -> None:
    runs = positions(render_pdf(full_invoice()))
    item_x, _ = at(runs, "Item")
    _, last_line_y = at(runs, "Consulting hour 2")
    category_x, category_y = at(runs, "VAT category")
    net_x, _ = at(runs, "Net amount")
    vat_amount_x, _ = at(runs, "VAT amount")
    assert category_y < last_line_y  # under the lines (PDF y grows upwards)
    assert category_x > item_x + 50  # not at the left margin: the table sits on the right
    assert abs(vat_amount_x - net_x) < 30  # its last column ends where the lines' amounts end


def test_amounts_rates_and_codes_are_formatted_for_reading() -> None:
    assert text.amount(Decimal("1234567.5"), "EUR") == "1,234,567.50 EUR"
    assert text.amount(Decimal("0.125"), "EUR") == "0.125 EUR"  # never rounds a decimal away
    assert text.number(Decimal("2.000")) == "2"
    assert text.rate(Decimal("12.50")) == "12.5%"
    assert text.rate(Decimal("25")) == "25%"
    assert text.quantity(Decimal("3"), "C62") == "3 unit"
    assert text.quantity(Decimal("3"), "XYZ") == "3 XYZ"  # an unknown code is shown as it is
    assert codes.shown("S", "vat_category") == "Standard rate"
    assert codes.shown("58", "payment_means") == "SEPA credit transfer"
    assert codes.shown("c62", "unit") == "unit"
    assert codes.name_of("999", "payment_means") is None
    # A number no reader produces (limits.py) is shown bounded, not expanded into its digits.
    assert len(text.number(Decimal("1E+5000"))) <= 40


def test_credit_note_and_unknown_type_codes_are_named() -> None:
    model = invoice()
    model.type_code = "381"
    assert "Credit note INV-1" in pdf_text(render_pdf(model))
    model.type_code = "999"  # not a credit code, not listed
    assert "Invoice INV-1" in pdf_text(render_pdf(model))


def test_footer_names_the_e_invoice_on_every_page() -> None:
    pdf = render_pdf(invoice(number="ACME-2002", lines=120), syntax="ubl")
    pages = page_texts(pdf)
    assert len(pages) > 1
    sentence = "Rendering of the UBL invoice ACME-2002 exchanged on the network; the e-invoice is the legal document."
    for page in pages:
        assert sentence in page, page[-300:]
    assert "Rendering of the e-invoice INV-1 exchanged on the network" in pdf_text(render_pdf(invoice()))
    assert "Factur-X invoice INV-1" in pdf_text(render_pdf(invoice(), syntax="facturx"))


def test_a_300_line_invoice_spans_pages_with_page_numbers_and_the_table_header_repeated() -> None:
    pdf = render_pdf(invoice(lines=300))
    pages = page_texts(pdf)
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    for page in pages[:-1]:  # every page the lines run over starts with the table's header
        assert re.search(r"# Item Quantity Unit price EUR VAT Net amount EUR", page), page[:300]
    shown = " ".join(pages)
    assert all(f"Consulting hour {n} " in shown for n in (1, 150, 300))
    assert "Amount due 37,500.00 EUR" in shown
    assert "more lines" not in shown


@pytest.mark.slow  # an invoice of the element budget's size
def test_the_largest_invoice_the_readers_accept_renders_in_bounded_pages() -> None:
    # A UBL line has at least 12 elements (InvoiceLine, ID, InvoicedQuantity, LineExtensionAmount, Item, Name,
    # ClassifiedTaxCategory, its ID and TaxScheme/ID, Price, PriceAmount): the element budget bounds the lines.
    most_lines = limits.MAX_XML_ELEMENTS // 12
    model = invoice(lines=blocks.MAX_LINES + 1)
    # The lines past those shown are one line object repeated: the rendering must not walk them.
    model.lines += [model.lines[-1]] * (most_lines - len(model.lines))
    pages = PdfReader(io.BytesIO(render_pdf(model))).pages
    # The lines shown are bounded (blocks.MAX_LINES) whatever the invoice holds: about 25 a page.
    assert len(pages) <= blocks.MAX_LINES // 20 + 5
    shown = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages[-2:]))
    assert f"Consulting hour {blocks.MAX_LINES} " in shown
    assert f"Consulting hour {blocks.MAX_LINES + 1} " not in shown
    more = most_lines - blocks.MAX_LINES
    assert f"{more:,} more lines are in the e-invoice (the rendering shows the first 1,000 of {most_lines:,})" in shown
    # The totals cover the whole invoice.
    assert f"Amount due {text.amount(model.totals.payable, 'EUR')}" in shown


def every_value_long(value: str) -> Invoice:
    """An invoice whose every text value (parties, references, line details, payment) is `value`."""
    model = invoice()
    model.payee = Payee(value, Identifier(value), Identifier(value))
    model.tax_representative = TaxRepresentative(value, value, Address(value, value, value, value, value, value, value))
    model.delivery = Delivery(value, Identifier(value), None, None, Address(value, value, value, value, value, value))
    model.preceding_invoices = [PrecedingInvoice(value)] * 10
    for field in ("number", "buyer_reference", "project_reference", "contract_reference", "purchase_order_reference"):
        setattr(model, field, value)
    for party in (model.seller, model.buyer):
        party.name = party.trading_name = party.vat_id = value
        party.legal_registration_id = party.electronic_address = Identifier(value, "0007")
        party.contact = Contact(value, value, value)
        party.address = Address(value, value, value, value, value, value, value)
    model.seller.identifiers = [Identifier(value)] * 10
    model.seller.additional_legal_info = model.seller.tax_registration_id = value
    line = model.lines[0]
    line.id = line.note = line.order_line_reference = line.accounting_reference = value
    line.item.name = line.item.description = line.item.seller_id = line.item.buyer_id = value
    line.allowances = line.charges = [LineAllowanceCharge(amount=Decimal("1.00"), reason=value)] * 10
    model.payment_terms = value
    assert model.payment is not None
    model.payment.remittance_information = model.payment.means_text = value
    model.payment.credit_transfers = [CreditTransfer(value, value, value)] * 10
    return model


def test_a_party_or_line_taller_than_a_page_splits_across_pages() -> None:
    # Every value at its display limit makes the seller's box and the first line taller than a page: a table row
    # that could not split would fail the whole rendering (reportlab's LayoutError), and with it the e-mail.
    pages = page_texts(render_pdf(every_value_long("Lorem ipsum dolor sit amet " * 20)))
    assert 2 < len(pages) <= 20
    assert sum(page.count("Lorem ipsum dolor sit amet Lo\u2026") for page in pages) > 50  # each value cut, shown


@pytest.mark.slow  # about 10 seconds: the worst case the bounds allow
def test_values_at_their_display_limit_keep_the_rendering_bounded() -> None:
    model = invoice(lines=blocks.MAX_LINES)
    for line in model.lines:
        line.item.name = "N" * 1000
        line.item.description = "word " * 1000
        line.note = "note " * 1000
    model.notes = [Note(text="x" * 5000)] * 100
    pages = page_texts(render_pdf(model))
    # Every value is cut at text.MAX_VALUE_CHARS, the notes at blocks.MAX_NOTES and the lines at the item text
    # blocks.MAX_LINES_TEXT allows: about two such lines a page.
    assert len(pages) <= 100
    shown = " ".join(pages)
    assert "80 more notes are in the e-invoice" in shown
    assert re.search(r"[\d,]+ more lines are in the e-invoice \(the rendering shows the first \d+ of 1,000\)", shown)
    assert "N" * 1000 not in shown.replace(" ", "")


# PDF/A-3 conformance of the Factur-X output: veraPDF ------------------------------------------------------------

VERAPDF_BUILD = ROOT / "tests" / "peers" / "verapdf" / "build.sh"
CLI_ENV = {"PATH": "/usr/bin:/bin", "PAGERO_VAR_DIR": "/tmp/pagero-cli-test"}


@pytest.fixture(scope="module")
def verapdf() -> str:
    """The veraPDF harness's classpath, built with Maven from Maven Central (tests/peers/verapdf/build.sh). In CI
    a failing build fails; elsewhere a machine without Java 17 and Maven (and not root to install them) skips."""
    if not (shutil.which("java") and shutil.which("mvn")) and os.geteuid() != 0 and not os.environ.get("CI"):
        pytest.skip("veraPDF needs Java 17 and Maven (tests/peers/verapdf/build.sh installs them as root)")
    done = subprocess.run(["bash", str(VERAPDF_BUILD)], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, f"{VERAPDF_BUILD.name} failed:\n{done.stderr[-4000:]}"
    return done.stdout.strip().splitlines()[-1]


def run_verapdf(classpath: str, paths: list[Path], flavour: str | None = None) -> dict[str, dict]:
    forced = ["--flavour", flavour] if flavour else []
    command = ["java", "-Xmx512m", "-XX:+UseSerialGC", "-cp", classpath, "network.peers.verapdf.VeraPdfHarness"]
    done = subprocess.run([*command, *forced, *map(str, paths)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    results = [json.loads(line) for line in done.stdout.splitlines()]
    return {Path(r["path"]).name: r for r in results}


def convert_to_facturx(source: Path, out: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "manage.py", "convert", str(source), "--to", "facturx", "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        env=CLI_ENV,
    )
    assert done.returncode == 0, done.stderr.decode()
    return out


@pytest.fixture(scope="module")
def facturx_outputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Factur-X PDFs written by `manage.py convert --to facturx`: the three samples, a Polish and a Greek invoice,
    and a 300-line one (several pages)."""
    folder = tmp_path_factory.mktemp("facturx")
    sources = [ROOT / "samples" / name for name in ("invoice-ubl.xml", "invoice-cii.xml", "invoice-edifact.edi")]
    for name, model in (
        ("polish", in_language("polish")),
        ("greek", in_language("greek")),
        ("long", invoice(number="LONG-300", lines=300)),
    ):
        data, _ = conversion.write_document(model, "ubl")
        (folder / f"{name}.xml").write_bytes(data)
        sources.append(folder / f"{name}.xml")
    return [convert_to_facturx(source, folder / f"{source.stem}.pdf") for source in sources]


@pytest.mark.slow
def test_verapdf_finds_our_factur_x_output_pdf_a_3b_compliant(verapdf: str, facturx_outputs: list[Path]) -> None:
    results = run_verapdf(verapdf, facturx_outputs)
    assert sorted(results) == sorted(p.name for p in facturx_outputs)
    for name, result in results.items():
        # The flavour is the one the XMP declares (pdfaid:part 3, conformance B, written by the factur-x library).
        assert result.get("error") is None, (name, result)
        assert (result["flavour"], result["compliant"], result["failed"]) == ("3b", True, []), (name, result)


@pytest.mark.slow
def test_verapdf_finds_our_text_unicode_mapped_as_pdf_a_3u_asks(verapdf: str, facturx_outputs: list[Path]) -> None:
    # Checked as PDF/A-3U, the files fail one rule only: their XMP declares conformance B, not U. Every other 3U
    # rule (every glyph maps to Unicode: the text can be searched and copied) holds.
    results = run_verapdf(verapdf, facturx_outputs, flavour="3u")
    for name, result in results.items():
        assert [f["rule"] for f in result["failed"]] == ["6.6.4-3"], (name, result)


@pytest.mark.slow
def test_verapdf_refuses_a_rendering_that_is_not_pdf_a(verapdf: str, tmp_path: Path) -> None:
    # The check can fail: the bare rendering (no output intent, no XMP: what the e-mail channel attaches) is not
    # PDF/A, and veraPDF says so with the rules it breaks.
    bare = tmp_path / "bare.pdf"
    bare.write_bytes(render_pdf(invoice()))
    [result] = run_verapdf(verapdf, [bare], flavour="3b").values()
    assert result["compliant"] is False
    failed = {f["rule"] for f in result["failed"]}
    assert "6.6.2.1-1" in failed  # no XMP metadata
    assert "6.2.4.3-2" in failed  # device RGB without an output intent
    assert "6.2.11.4.1-1" not in failed  # its fonts are embedded all the same


def test_fonts_are_embedded() -> None:
    pdf = render_pdf(in_language("greek"))
    assert all(embedded for _, embedded in fonts_of(pdf))
    assert LANGUAGES["greek"][0] in pdf_text(pdf)


@pytest.mark.slow  # runs poppler's pdffonts and pdftotext
@pytest.mark.parametrize("language", ["polish", "greek"])
def test_poppler_reads_the_letters_and_finds_every_font_embedded(language: str, tmp_path) -> None:
    """What a reader's PDF viewer sees, asked of poppler (not of the library we test with): every font embedded
    and Unicode-mapped, and the letters as written."""
    for tool in ("pdffonts", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: run ops/test-tools.sh (installs Debian's poppler-utils)")
    path = tmp_path / f"{language}.pdf"
    path.write_bytes(render_pdf(in_language(language)))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, fonts
    # pdffonts columns end with: emb sub uni object-id generation
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows), fonts
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    words = " ".join(text.decode("utf-8").split())
    for value in LANGUAGES[language]:
        assert value in words, (value, words[:400])
