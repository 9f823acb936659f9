"""The received side in a real browser (Playwright driving Debian's Chromium) against a live server and a real
worker: a duplicate held for its sender, seen by both sides once the sender confirms the resend; the recipient's
approve and dispute read by the sender on its timeline; the received list filtered on the business state.

Screenshots of the pages at 1280 and 390 px go to $SCREENSHOTS_DIR, or test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pagero.documents import public as documents
from pagero.partners import public as partners
from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, login, open_settled
from tests.exchange.factory import document

# `services` follows from the fixtures (celery_worker) of each test.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.fixture
def people(db):
    acme = partners.ensure_organisation("Acme Supplies AB", "acme")
    partners.add_identifier(acme.id, "0007", "5567321707", verified=True)
    partners.ensure_member(acme.id, "alice", "alice-browser-1", email="alice@acme.example")
    nordic = partners.ensure_organisation("Nordic Retail AS", "nordic")
    partners.add_identifier(nordic.id, "0192", "987654325", verified=True)
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    partners.ensure_member(nordic.id, "bob", "bob-browser-1", email="bob@nordic.example")
    return {"alice": "alice-browser-1", "bob": "bob-browser-1", "acme_id": acme.id, "nordic_id": nordic.id}


def send(organisation_id: int, data: bytes) -> str:
    document_id, status, reason = documents.submit_document(organisation_id, data)
    assert status == "received", reason
    return document_id


def settled(organisation_id: int, document_id: str, timeout: float = 60.0) -> documents.DocumentSummary:
    """The document as its sender sees it once the worker has delivered it, ended it, or held it as a duplicate."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = documents.document_detail(organisation_id, document_id)
        assert detail is not None
        summary = detail.summary
        if summary.duplicate == "held" or summary.status not in {"received", "validated", "routed", "converted"}:
            return summary
        time.sleep(0.1)
    raise AssertionError(f"document {document_id} still in flight after {timeout}s")


def state_for(organisation_id: int, document_id: str) -> str:
    detail = documents.document_detail(organisation_id, document_id)
    assert detail is not None
    return detail.summary.recipient_state


def both_widths(page, name: str) -> None:
    for viewport, label in ((DESKTOP, "1280"), (PHONE, "390")):
        page.set_viewport_size(viewport)
        shoot(page, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)


def test_a_duplicate_is_held_for_the_sender_and_flagged_to_both_once_resent(
    browser, live_server, celery_worker, people
):
    base = live_server.url
    data = document("ubl", number="BRW-DUP-1")
    acme_id = people["acme_id"]
    first = send(acme_id, data)
    assert settled(acme_id, first).status == "delivered"
    second = send(acme_id, data)
    summary = settled(acme_id, second)
    assert summary.status == "received" and summary.duplicate == "held"

    alice_context, alice = login(browser, base, "alice", people["alice"])
    alice.goto(f"{base}/sent/?state=held")
    assert alice.locator(f'tr[data-id="{second}"] [data-flag="held"]').is_visible()
    assert alice.locator(f'tr[data-id="{first}"]').count() == 0  # the filter keeps the held copy only
    both_widths(alice, "recv-sent-held")
    alice.goto(f"{base}/documents/{second}/")
    held_card = alice.locator("#held")
    assert "Held: possibly a duplicate" in held_card.inner_text()
    assert "Held: possibly a duplicate of BRW-DUP-1" in alice.locator("#timeline").inner_text()
    both_widths(alice, "recv-held-document")

    # Before the sender confirms, the recipient sees the first copy only, with no flag.
    bob_context, bob = login(browser, base, "bob", people["bob"])
    bob.goto(f"{base}/received/")
    assert bob.locator(f'tr[data-id="{second}"]').count() == 0
    assert bob.locator(f'tr[data-id="{first}"] [data-flag]').count() == 0

    with alice.expect_navigation():
        alice.get_by_role("button", name="Send it again on purpose").click()
    # (The confirmation's flash message is checked in tests/portal: here the page's status polling may reload the
    # page, and the message with it, as soon as the resent copy moves on.)
    assert settled(acme_id, second).status == "delivered"
    open_settled(alice, f"{base}/documents/{second}/")
    assert "You confirmed a deliberate resend" in alice.locator("#timeline").inner_text()

    bob.goto(f"{base}/received/")
    assert bob.locator(f'tr[data-id="{second}"] [data-flag="resend"]').inner_text() == "deliberate resend"
    assert bob.locator(f'tr[data-id="{first}"] [data-flag="repeated"]').inner_text() == "sent again"
    both_widths(bob, "recv-received-flags")
    bob.goto(f"{base}/documents/{first}/")
    assert bob.locator("#copies").get_by_role("link", name="BRW-DUP-1").count() == 1
    both_widths(bob, "recv-received-copy")
    alice_context.close()
    bob_context.close()


def test_approve_and_dispute_are_read_by_the_sender_on_its_timeline(browser, live_server, celery_worker, people):
    base = live_server.url
    acme_id = people["acme_id"]
    approved = send(acme_id, document("ubl", number="BRW-OK-1"))
    disputed = send(acme_id, document("ubl", number="BRW-NO-1"))
    assert settled(acme_id, approved).status == "delivered" and settled(acme_id, disputed).status == "delivered"

    bob_context, bob = login(browser, base, "bob", people["bob"])
    bob.goto(f"{base}/received/?state=new")
    assert bob.locator("tbody tr").count() == 2
    bob.goto(f"{base}/documents/{approved}/")
    with bob.expect_navigation():
        bob.get_by_role("button", name="Approve").click()
    assert "Approved" in bob.locator(".messages").inner_text()
    assert bob.locator('#answer [data-state="approved"]').is_visible()
    bob.goto(f"{base}/documents/{disputed}/")
    # A reason is required: the browser refuses the empty field before anything is sent.
    bob.get_by_role("button", name="Dispute").click()
    assert state_for(people["nordic_id"], disputed) == "read"
    bob.get_by_label("Reason for disputing").fill("wrong quantity <b>3</b>")
    bob.get_by_role("button", name="Dispute").click()
    bob.wait_for_selector('#answer [data-state="disputed"]')
    assert bob.locator("#answer-reason").inner_text() == "wrong quantity <b>3</b>"  # shown as typed, escaped
    both_widths(bob, "recv-document-answered")
    bob.goto(f"{base}/received/?state=disputed")
    rows = bob.locator("tbody tr")
    assert rows.count() == 1 and "BRW-NO-1" in rows.inner_text()
    both_widths(bob, "recv-received-disputed")
    bob.goto(f"{base}/")
    both_widths(bob, "recv-dashboard")

    alice_context, alice = login(browser, base, "alice", people["alice"])
    alice.goto(f"{base}/documents/{disputed}/")
    timeline = alice.locator("#timeline").inner_text()
    assert "Read by Nordic Retail AS" in timeline
    assert "Nordic Retail AS disputed this invoice: wrong quantity <b>3</b>" in timeline
    assert alice.locator("#answer").count() == 0  # the sender reads the answer, it does not give one
    # On top of the page as well, not only at the end of a long timeline (a phone).
    assert (
        alice.locator("#recipient-answer").inner_text() == "Answer of the recipient: disputed wrong quantity <b>3</b>"
    )
    both_widths(alice, "recv-sender-timeline")
    alice.goto(f"{base}/documents/{approved}/")
    assert "Nordic Retail AS approved this invoice" in alice.locator("#timeline").inner_text()
    alice.goto(f"{base}/sent/?state=disputed")
    assert alice.locator("tbody tr").count() == 1
    alice_context.close()
    bob_context.close()
