"""What one document costs the database from submission to delivery.

Python's share of each ORM query (about 0.6 ms here) and PostgreSQL's make the database a large part of what a
document costs (docs/capacity.md); a change that adds queries to every document shows here first.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pagero.documents import pipeline
from pagero.partners import public as partners

from .conftest import wait_for
from .factory import document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]


@pytest.fixture(autouse=True)
def database_payloads(settings):
    """The embedded default's payload store, whatever this run configures (the migration's phased store also reads
    its phase on every payload operation)."""
    settings.PAYLOAD_STORE = "database"


# Measured on SQLite and PostgreSQL alike: 45, down from 55 when each step wrote the row twice and a payload write
# took a savepoint and a locking read before its INSERT.
QUERIES_PER_DELIVERED_DOCUMENT = 45


def queries_of_one_document(sender_id: int, number: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        submission = pipeline.submit(sender_id, document("ubl", number=number))
    assert wait_for(str(submission.document.id)).status == "delivered"
    return [q["sql"] for q in captured.captured_queries]


def test_a_document_costs_a_bounded_number_of_queries_from_submission_to_delivery(acme, nordic):
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    queries_of_one_document(acme.id, "Q-WARM")  # first use: routes, experiments and settings read once
    sql = queries_of_one_document(acme.id, "Q-1")
    assert len(sql) <= QUERIES_PER_DELIVERED_DOCUMENT, "\n".join(sql)


def test_each_step_writes_the_document_row_once(acme, nordic):
    """A step's own fields go in the same UPDATE as its status change; submission writes the row once."""
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    queries_of_one_document(acme.id, "Q-WARM")
    sql = queries_of_one_document(acme.id, "Q-2")
    updates = [q for q in sql if q.startswith('UPDATE "documents_document"')]
    inserts = [q for q in sql if q.startswith('INSERT INTO "documents_document"')]
    assert len(inserts) == 1
    # validated, routed, converted, delivered: one status UPDATE each, nothing else
    assert len(updates) == 4, "\n".join(updates)
    assert all('"status" = ' in q for q in updates)
