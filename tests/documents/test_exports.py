"""The bounds of what a customer takes away: the CSV export of a list and the zip of selected documents.

The pipeline runs inline (the embedded default), so the documents are really delivered before they are exported.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from pagero.documents import exports
from pagero.partners import public as partners
from tests.exchange import conftest as exchange
from tests.exchange.factory import document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]
eager, acme, nordic, outsider = exchange.eager, exchange.acme, exchange.nordic, exchange.outsider


@pytest.fixture
def delivered(acme, nordic) -> list[str]:
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    ids = []
    for n in range(3):
        response = acme.post(document("ubl", number=f"EXP-{n}"))
        assert response.status_code == 202 and response.json()["status"] == "delivered"
        ids.append(response.json()["id"])
    return ids


def rows(export: exports.CsvExport) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig"))))


def test_the_csv_export_stops_at_its_row_limit_and_says_so(delivered, nordic, monkeypatch):
    assert len(rows(exports.export_csv(nordic.id, "received"))) == 3
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 2)
    export = exports.export_csv(nordic.id, "received")
    assert export.truncated and export.rows == 2 and len(rows(export)) == 2
    response = nordic.client.get("/received/export.csv")
    assert response.status_code == 302  # the portal's export needs a signed-in user, not an API token


def test_the_csv_export_is_the_organisations_own(delivered, outsider):
    assert rows(exports.export_csv(outsider.id, "received")) == []
    assert rows(exports.export_csv(outsider.id, "sent")) == []


def test_the_zip_holds_what_each_side_has(delivered, acme, nordic):
    received = zipfile.ZipFile(io.BytesIO(exports.bulk_zip(nordic.id, delivered[:2])))
    assert sorted(received.namelist()) == ["EXP-0.xml", "EXP-1.xml"]
    assert b"CrossIndustryInvoice" in received.read("EXP-0.xml")  # the CII rendition Nordic receives
    sent = zipfile.ZipFile(io.BytesIO(exports.bulk_zip(acme.id, delivered[:1])))
    assert b"<Invoice" in sent.read("EXP-0.xml")  # the UBL original Acme sent


def test_the_zip_is_bounded_in_count_and_size(delivered, nordic, monkeypatch):
    monkeypatch.setattr(exports, "MAX_BULK_DOCUMENTS", 2)
    with pytest.raises(exports.BulkRefused, match="3 documents selected; at most 2"):
        exports.bulk_zip(nordic.id, delivered)
    monkeypatch.setattr(exports, "MAX_BULK_BYTES", 100)
    with pytest.raises(exports.BulkRefused, match="exceed"):
        exports.bulk_zip(nordic.id, delivered[:1])


@pytest.mark.parametrize(("ids", "message"), [([], "at least one"), (["not-a-uuid"], "not valid")])
def test_a_bad_selection_is_refused_naming_the_problem(delivered, nordic, ids, message):
    with pytest.raises(exports.BulkRefused, match=message):
        exports.bulk_zip(nordic.id, ids)


def test_another_tenants_documents_are_refused_not_skipped(delivered, outsider):
    with pytest.raises(exports.BulkRefused, match="do not exist or are not yours"):
        exports.bulk_zip(outsider.id, delivered[:1])


def test_file_names_are_safe_and_unique():
    used: set[str] = set()
    assert exports._unique(exports._safe("../../etc/passwd"), "xml", used) == "_.._etc_passwd.xml"
    assert exports._unique(exports._safe("A/1"), "xml", used) == "A_1.xml"
    assert exports._unique(exports._safe("A/1"), "xml", used) == "A_1-2.xml"
