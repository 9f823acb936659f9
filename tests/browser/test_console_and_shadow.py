"""The notification settings page, the operator console and the shadow report in a real browser (Playwright driving
Debian's Chromium), at 1280 and 390 px. Screenshots go to test-artifacts/screenshots/ (console-*, shadow-*,
notifications-*)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import include, path

from pagero.documents.models import Document
from pagero.partners import public as partners
from pagero.portal.models import NotificationPreference
from shadow.models import Experiment, Observation
from tests.browser.conftest import DESKTOP, PHONE, login, shoot
from tests.exchange.conftest import eager, make_org  # noqa: F401 - eager is a fixture (usefixtures)
from tests.exchange.factory import document

# The project's URL map with the notification page mounted as the project mounts it.
urlpatterns = [
    path("settings/notifications/", include("pagero.portal.notification_urls")),
    path("", include("pagero.urls")),
]

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]
OPERATOR = ("operator-browser", "operator-browser-1")


def fits(page, selector: str, width: int) -> bool:
    """The element is shown and lies within the page's width (no sideways scrolling needed to read it)."""
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width + 1


def operator_login(browser, base: str, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill(OPERATOR[0])
    page.get_by_label("Password").fill(OPERATOR[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")
    return context, page


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser(OPERATOR[0], "ops@network.example", OPERATOR[1])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_a_member_chooses_a_daily_digest_of_failures(browser, live_server, viewport):
    org = partners.ensure_organisation("Nordic Retail AS", "nordic")
    partners.ensure_member(org.id, "bob", "bob-browser-1", email="bob@nordic.example")
    context, page = login(browser, live_server.url, "bob", "bob-browser-1", viewport=viewport)
    page.goto(f"{live_server.url}/settings/notifications/")
    assert page.get_by_role("heading", name="E-mail notifications").is_visible()
    assert page.get_by_text("Mails go to bob@nordic.example").is_visible()
    page.get_by_label("Daily digest").check()
    page.get_by_label("Documents we received").uncheck()
    page.get_by_label("Documents that failed and need an action").check()
    for selector in ("#notifications-form button[type=submit]", "#notifications-form fieldset"):
        assert fits(page, selector, viewport["width"]), selector
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_text("Your notification settings are saved.").is_visible()
    assert page.get_by_label("Daily digest").is_checked()
    assert not page.get_by_label("Documents we received").is_checked()
    shoot(page, f"notifications-{viewport['width']}")
    context.close()
    preference = NotificationPreference.objects.get(user__username="bob")
    assert (preference.mode, preference.received, preference.failures) == ("daily", False, True)


@pytest.mark.usefixtures("eager")  # the pipeline inline: the documents are delivered before the pages are read
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_console_pages_read_well_and_a_document_cannot_be_edited(browser, live_server, operator, viewport):
    acme = make_org("Acme Supplies AB", "acme", [("0007", "5567321707")])
    make_org("Nordic Retail AS", "nordic", [("0192", "987654325"), ("9908", "NO987654325MVA")])
    invalid = document("ubl", number="BR-2").replace(b">250.00</cbc:PayableAmount>", b">999.00</cbc:PayableAmount>")
    ids = []
    for data in (document("ubl", number="BR-1"), invalid):
        response = acme.post(data)
        assert response.status_code in (200, 201, 202), response.content
        ids.append(response.json()["id"])
    rejected = Document.objects.get(pk=ids[1])
    assert rejected.status == "rejected", rejected.status_reason
    base, width = live_server.url, viewport["width"]
    context, page = operator_login(browser, base, viewport)
    assert "E-document exchange console" in page.title()
    shoot(page, f"console-index-{width}")
    page.get_by_role("link", name="Pipeline overview").click()
    page.wait_for_url(f"{base}/admin/pipeline/")
    assert page.locator("#per-status").get_by_text("Waiting the longest").is_visible()
    shoot(page, f"console-overview-{width}")

    page.goto(f"{base}/admin/documents/document/")
    assert page.get_by_text("Nordic Retail AS").first.is_visible()
    assert page.locator("td.field-received_at").first.inner_text().endswith("UTC")
    shoot(page, f"console-documents-{width}")

    page.goto(f"{base}/admin/documents/document/{rejected.pk}/change/")
    assert page.locator("table.validation-report").is_visible()
    assert page.get_by_role("button", name=re.compile("Re-process")).is_visible()
    assert page.locator("input[name=_save], a.deletelink").count() == 0
    shoot(page, f"console-document-{width}")
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_shadow_chart_has_a_legend_and_fits_the_page(browser, live_server, operator, viewport):
    experiment = Experiment.objects.create(
        name="formats.convert", context="formats", control="formats.convert.local", candidate="formats.convert.local"
    )
    for outcome, n in (("match", 40), ("mismatch", 2), ("candidate_error", 1)):
        Observation.objects.bulk_create(
            Observation(
                experiment=experiment,
                input_ref=f"doc-{uuid.uuid4()}",
                outcome=outcome,
                control_ms=2.0,
                differences=[{"path": "/Invoice/BuyerReference", "control": "PO-1", "candidate": None}]
                if outcome == "mismatch"
                else [],
            )
            for _ in range(n)
        )
    width = viewport["width"]
    context, page = operator_login(browser, live_server.url, viewport)
    page.goto(f"{live_server.url}/shadow/formats/")
    legend = page.locator("#legend-1")
    assert legend.is_visible()
    assert legend.get_by_text("matched", exact=True).is_visible()
    assert legend.get_by_text("failed (mismatch, candidate error or timeout)").is_visible()
    assert fits(page, "svg.shadow-chart", width) and fits(page, "#legend-1", width)
    assert page.locator("svg.shadow-chart text", has_text="hour (UTC)").count() == 1
    assert page.get_by_text("failure rate 6.98 %: 3 of 43 failed").is_visible()
    shoot(page, f"shadow-report-{width}")
    assert page.goto(f"{live_server.url}/shadow/nowhere/").status == 404
    context.close()
