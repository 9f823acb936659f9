"""Everyday actions in a real browser (Playwright driving Debian's Chromium) against a live server and a real worker:
a six-file drop on Send where every file ends sent or with a visible error, the recipient shown before sending,
the Settings page at desktop widths (Revoke reachable, asks first, a new token copied), the document page in
plain words and in Swedish. Screenshots of every page at 1280 and 390 px go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pagero.partners import public as partners
from tests.browser.conftest import DESKTOP, PHONE, login, shoot
from tests.exchange.factory import document

# `services` follows from the fixtures (celery_worker) of each test.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
# The live server answers each request on a new thread, and each new thread compiles the schemas and the business
# rules once (pagero/formats): six files checked and looked up at once on two cores take a while.
CHECKED = 120_000


@pytest.fixture
def people(db):
    acme = partners.ensure_organisation("Acme Supplies AB", "acme")
    partners.add_identifier(acme.id, "0007", "5567321707", verified=True)
    partners.ensure_member(acme.id, "alice", "alice-browser-1", email="alice@acme.example")
    nordic = partners.ensure_organisation("Nordic Retail AS", "nordic")
    partners.add_identifier(nordic.id, "0192", "987654325", verified=True)
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    partners.ensure_member(nordic.id, "bob", "bob-browser-1", email="bob@nordic.example")
    return {"alice": "alice-browser-1", "bob": "bob-browser-1", "acme_id": acme.id}


def drop(page, files: dict[str, bytes]) -> None:
    """Drop files on the drop zone as a user dragging them from the desktop does (one DataTransfer)."""
    payload = [{"name": name, "text": data.decode()} for name, data in files.items()]
    transfer = page.evaluate_handle(
        """files => { const dt = new DataTransfer();
                      files.forEach(f => dt.items.add(new File([f.text], f.name, {type: "application/xml"})));
                      return dt; }""",
        payload,
    )
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})


def test_a_six_file_drop_ends_every_file_sent_or_with_a_visible_error(browser, live_server, celery_worker, people):
    base = live_server.url
    files = {f"web-{n}.xml": document("ubl", number=f"WEB-200{n}") for n in range(1, 5)}
    files["nobody.xml"] = document("ubl", number="WEB-2005", buyer_endpoint=("0192", "999999999"), buyer_vat=None)
    files["invalid.xml"] = document("ubl", number="WEB-2006").replace(
        b">250.00</cbc:PayableAmount>", b">999.00</cbc:PayableAmount>"
    )
    context, page = login(browser, base, "alice", people["alice"])

    refused: list[str] = []

    def refuse_the_first_submission(route) -> None:
        # The server fails one submission (a proxy's HTML error page): the page must say so, not spin.
        if not refused:
            refused.append(route.request.url)
            route.fulfill(status=502, content_type="text/html", body="<html><body>Bad gateway</body></html>")
        else:
            route.continue_()

    page.route("**/send/submit", refuse_the_first_submission)
    page.get_by_role("link", name="Send").click()
    drop(page, files)
    uploads = page.locator("li.upload")
    expect(uploads).to_have_count(6)  # the page lists the files as it reads them: wait for all six

    def item(name: str):
        return uploads.filter(has=page.locator("strong", has_text=re.compile(f"^{re.escape(name)}$")))

    for name in ("web-1.xml", "web-2.xml", "web-3.xml", "web-4.xml"):
        item(name).locator(".recipient", has_text="to Nordic Retail AS, as CII, by inbox").wait_for(timeout=CHECKED)
        item(name).locator(".badge", has_text="valid").wait_for(timeout=CHECKED)
    nobody = item("nobody.xml").locator(".recipient.warning", has_text="Nobody on the network receives this document")
    nobody.wait_for(timeout=CHECKED)
    assert "0192:999999999" in item("nobody.xml").locator(".recipient").inner_text()
    item("invalid.xml").locator(".findings li", has_text="BR-CO-16").wait_for(timeout=CHECKED)
    shoot(page, "send-checked-desktop")

    page.get_by_role("button", name="Send valid files").click()
    page.locator("li.upload .problem", has_text="The server could not take this file (HTTP 502)").wait_for()
    failed = uploads.filter(has=page.locator(".problem", has_text="HTTP 502"))
    assert failed.count() == 1 and failed.locator(".badge").inner_text() == "not sent"
    assert failed.locator("a.open-document").count() == 0
    failed_name = failed.locator("strong").inner_text()
    for name in {"web-1.xml", "web-2.xml", "web-3.xml", "web-4.xml", "nobody.xml"} - {failed_name}:
        item(name).locator("a.open-document").wait_for()
    for name in {"web-1.xml", "web-2.xml", "web-3.xml", "web-4.xml"} - {failed_name}:
        item(name).locator(".badge", has_text="delivered").wait_for(timeout=60_000)
    if failed_name != "nobody.xml":
        item("nobody.xml").locator(".badge", has_text="no recipient").wait_for(timeout=60_000)
        item("nobody.xml").locator(".problem", has_text="no organisation receives on").wait_for()
    assert item("invalid.xml").locator("a.open-document").count() == 0  # never sent
    # No file is left "sending…": each ends with a link to its document or a visible error.
    for n in range(6):
        one = uploads.nth(n)
        assert "sending" not in one.locator(".badge").inner_text()
        assert one.locator("a.open-document").count() == 1 or one.locator(".problem, .findings li").count() >= 1
    shoot(page, "send-sent-desktop")

    # The failed one goes through once the server takes it again.
    page.unroute("**/send/submit")
    page.get_by_role("button", name="Send valid files").click()
    item(failed_name).locator("a.open-document").wait_for()
    assert item(failed_name).locator(".problem").count() == 0 or failed_name == "nobody.xml"
    context.close()

    context, page = login(browser, base, "alice", people["alice"], viewport=PHONE)
    page.goto(f"{base}/send/")
    drop(page, {"web-9.xml": document("ubl", number="WEB-2009"), "nobody.xml": files["nobody.xml"]})
    page.locator(".recipient", has_text="to Nordic Retail AS").wait_for(timeout=CHECKED)
    page.locator(".recipient.warning").wait_for(timeout=CHECKED)
    shoot(page, "send-checked-phone")
    context.close()


def revoke_is_clickable(page) -> bool:
    """The Revoke button is the element under its own centre: no other card is laid over it."""
    return page.evaluate(
        """() => { const b = document.querySelector("form[action$='/revoke'] button");
                   const r = b.getBoundingClientRect();
                   const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                   return hit === b || b.contains(hit); }"""
    )


@pytest.mark.parametrize("width", [1280, 1920])
def test_settings_at_desktop_widths(browser, live_server, people, width):
    base = live_server.url
    for n in range(2):
        partners.issue_api_token(people["acme_id"], f"erp-integration-{n}", scope="write")
    context, page = login(browser, base, "alice", people["alice"], viewport={"width": width, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.goto(f"{base}/settings/")
    page.get_by_label("New token name").fill("accounting")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    assert token.startswith("pgr_")
    page.locator("button[data-copy='new-token']").click()
    page.locator("button[data-copy='new-token']", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == token

    page.locator("form[action$='/revoke'] button").first.scroll_into_view_if_needed()
    assert revoke_is_clickable(page), "another card covers the Revoke button"
    page.locator("form[action$='/revoke'] button").first.click(trial=True)  # Playwright's own hit test
    shoot(page, f"settings-{width}")

    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.locator("form[action$='/revoke'] button").first.click()
    assert questions and questions[0].startswith("Revoke the token “accounting”?")
    assert not any(t.revoked for t in partners.list_api_tokens(people["acme_id"]))  # dismissed: nothing revoked
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='/revoke'] button").first.click()
    page.locator(".messages", has_text="API token revoked.").wait_for()
    assert [t.name for t in partners.list_api_tokens(people["acme_id"]) if t.revoked] == ["accounting"]

    # A signed webhook chosen and saved once: the URL stays and the secret is made and shown.
    page.get_by_label("Channel").select_option("webhook")
    page.get_by_label("Webhook URL").fill("https://hooks.acme.example/in")
    page.get_by_role("button", name="Save").click()
    page.locator(".messages", has_text="Receive preferences saved.").wait_for()
    assert page.get_by_label("Webhook URL").input_value() == "https://hooks.acme.example/in"
    assert page.locator("#new-secret").inner_text() == partners.receive_profile(people["acme_id"]).webhook_secret
    context.close()


def test_pages_in_plain_words_at_both_widths_and_in_swedish(browser, live_server, celery_worker, people, tmp_path):
    base = live_server.url
    context, page = login(browser, base, "alice", people["alice"])
    page.goto(f"{base}/send/")
    page.set_input_files("#files", [str(write(tmp_path, "ACME-2002.xml", document("ubl", number="ACME-2002")))])
    page.locator(".badge", has_text="valid").wait_for(timeout=CHECKED)
    page.get_by_role("button", name="Send valid files").click()
    page.locator(".badge", has_text="delivered").wait_for(timeout=60_000)
    page.locator("a.open-document").click()
    page.locator("#doc-status", has_text="delivered").wait_for()
    document_url = page.url
    timeline = page.locator("#timeline").inner_text()
    assert "Delivered to Nordic Retail AS by inbox" in timeline and "UTC" in timeline
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", timeline)  # no snake_case
    assert page.locator("#download-edifact").is_visible()
    with page.expect_download() as download:
        page.locator("#download-cii").click()
    assert download.value.suggested_filename == "ACME-2002-cii.xml"
    lines = page.locator("table.lines").inner_text()
    assert "50.00" in lines and "25%" in lines and "standard rate" in lines
    shoot(page, "document-1280")
    for path, name in (("/", "dashboard"), ("/sent/", "sent"), ("/settings/", "settings")):
        page.goto(f"{base}{path}")
        shoot(page, f"{name}-desktop")
    context.close()

    context, page = login(browser, base, "alice", people["alice"], viewport=PHONE)
    for path, name in (
        (document_url, "document-phone"),
        (f"{base}/sent/", "sent-phone"),
        (f"{base}/settings/", "settings-phone"),
        (f"{base}/", "dashboard-phone"),
    ):
        page.goto(path)
        shoot(page, name)
    context.close()

    swedish = browser.new_context(viewport=DESKTOP, locale="sv-SE")
    page = swedish.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("Användarnamn").fill("bob")
    page.get_by_label("Lösenord").fill(people["bob"])
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base}/")
    page.goto(document_url)
    assert page.locator("html").get_attribute("lang") == "sv"
    text = page.locator("main").inner_text()
    assert "Tidslinje" in text and "Levererad till dig via inkorg" in text
    assert "50,00" in page.locator("table.lines").inner_text() and "25 %" in page.locator("table.lines").inner_text()
    shoot(page, "document-sv-desktop")
    swedish.close()


def write(folder, name: str, data: bytes):
    path = folder / name
    path.write_bytes(data)
    return path


def test_the_api_docs_render_with_no_network_beyond_the_server(browser, live_server):
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    outside: list[str] = []

    def only_the_server(route) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:  # offline: a CDN cannot answer
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_server)
    page.goto(f"{base}/api/docs/")
    page.locator(".swagger-ui .info", has_text="E-document exchange network API").wait_for()
    page.locator(".opblock-summary-path", has_text="/api/v1/inbox").first.wait_for()
    assert outside == []
    shoot(page, "api-docs-desktop")
    context.close()
