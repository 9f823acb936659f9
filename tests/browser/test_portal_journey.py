"""The portal in a real browser (Playwright driving Debian's Chromium) against a live server and a real worker.

Log in, upload a valid and an invalid invoice, see the invalid one's findings, confirm the valid one,
watch it reach delivered, open it, download the PDF; as the recipient see it in Received; a user of a
third organisation gets 404 on its URL. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from pagero.partners import public as partners
from tests.browser.conftest import PHONE, login, shoot
from tests.exchange.factory import document

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(db):
    acme = partners.ensure_organisation("Acme Supplies AB", "acme")
    partners.add_identifier(acme.id, "0007", "5567321707", verified=True)
    partners.ensure_member(acme.id, "alice", "alice-browser-1", email="alice@acme.example")
    nordic = partners.ensure_organisation("Nordic Retail AS", "nordic")
    partners.add_identifier(nordic.id, "0192", "987654325", verified=True)
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    partners.ensure_member(nordic.id, "bob", "bob-browser-1", email="bob@nordic.example")
    other = partners.ensure_organisation("Outsider GmbH", "outsider")
    partners.ensure_member(other.id, "carol", "carol-browser-1", email="carol@outsider.example")
    return {"alice": "alice-browser-1", "bob": "bob-browser-1", "carol": "carol-browser-1"}


def test_send_follow_open_and_isolation(browser, live_server, celery_worker, people, tmp_path):
    base = live_server.url
    valid = tmp_path / "valid-invoice.xml"
    valid.write_bytes(document("ubl", number="WEB-1001"))
    invalid = tmp_path / "invalid-invoice.xml"
    invalid.write_bytes(
        document("ubl", number="WEB-1002").replace(b">250.00</cbc:PayableAmount>", b">999.00</cbc:PayableAmount>")
    )
    context, page = login(browser, base, "alice", people["alice"])
    page.get_by_role("link", name="Send").click()
    page.set_input_files("#files", [str(valid), str(invalid)])
    uploads = page.locator("li.upload")
    good = uploads.filter(has_text="valid-invoice.xml").first
    bad = uploads.filter(has_text="invalid-invoice.xml")
    good.locator(".badge", has_text="valid").wait_for()
    bad.locator(".findings li", has_text="BR-CO-16").wait_for()
    assert "BT-115" in bad.locator(".findings").inner_text()
    shoot(page, "send-desktop")
    page.get_by_role("button", name="Send valid files").click()
    good.locator(".badge", has_text="delivered").wait_for(timeout=60_000)
    assert bad.locator("a.open-document").count() == 0  # the invalid file was never sent
    good.locator("a.open-document").click()
    page.locator("#doc-status", has_text="delivered").wait_for()
    assert page.get_by_role("heading", name=re.compile("Invoice WEB-1001")).is_visible()
    assert "Consulting hour 1" in page.locator("table.lines").inner_text()
    assert "Timeline" in page.inner_text("body")
    assert "Addressed to Nordic Retail AS, as CII, by inbox" in page.locator("#timeline").inner_text()
    document_url = page.url
    with page.expect_download() as download:
        page.locator("#download-pdf").click()
    pdf = tmp_path / "invoice.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    shoot(page, "document-desktop")
    page.get_by_role("link", name="Dashboard").click()
    page.locator(".bars").first.wait_for()
    shoot(page, "dashboard-desktop")
    context.close()

    # The recipient sees it in Received and can open it.
    context, page = login(browser, base, "bob", people["bob"])
    page.get_by_role("link", name="Received", exact=True).click()
    page.get_by_role("link", name="WEB-1001").click()
    page.locator("#doc-status", has_text="delivered").wait_for()
    assert "Acme Supplies AB" in page.inner_text(".doc-head")
    context.close()

    # A third organisation's user gets 404 on the same URL.
    context, page = login(browser, base, "carol", people["carol"])
    response = page.goto(document_url)
    assert response.status == 404
    context.close()

    # Phone width: the same pages, laid out for a narrow screen.
    context, page = login(browser, base, "alice", people["alice"], viewport=PHONE)
    shoot(page, "dashboard-phone")
    page.goto(document_url)
    shoot(page, "document-phone")
    page.goto(f"{base}/send/")
    shoot(page, "send-phone")
    context.close()
