"""The console's CSV export shows formula-like values as text (no formula runs when it is opened)."""

from __future__ import annotations

import csv
import io

import pytest

from pagero.documents.admin import csv_cell
from pagero.documents.models import Document

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTAB", "\rCR"]


def export(admin_client, documents: list[Document]) -> list[dict[str, str]]:
    response = admin_client.post(
        "/admin/documents/document/",
        {"action": "export_csv", "_selected_action": [str(d.id) for d in documents]},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_export_neutralises_formula_cells(admin_client):
    documents = [
        Document.objects.create(
            sender_id=1, sha256="0" * 64, size=1, number=value, status="rejected", status_reason=f"reason {value}"
        )
        for value in FORMULAS
    ]
    rows = {row["id"]: row for row in export(admin_client, documents)}
    assert len(rows) == len(FORMULAS)
    for document, value in zip(documents, FORMULAS, strict=True):
        row = rows[str(document.id)]
        assert row["number"] == "'" + value  # shown as the text it is
        assert row["status_reason"] == f"reason {value}"  # not at the start of the cell: unchanged


def test_ordinary_values_are_unchanged(admin_client):
    document = Document.objects.create(sender_id=7, sha256="1" * 64, size=1, number="INV-2026-001", currency="EUR")
    (row,) = export(admin_client, [document])
    assert row["number"] == "INV-2026-001" and row["currency"] == "EUR" and row["sender_id"] == "7"


@pytest.mark.parametrize("value", ["", "a=b", "100", "O'Brien", None])
def test_csv_cell_leaves_safe_values(value):
    assert csv_cell(value) == ("" if value is None else value)
