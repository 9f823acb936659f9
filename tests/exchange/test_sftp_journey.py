"""A document for a recipient that takes delivery by SFTP: the pipeline writes the converted document on the
recipient's real OpenSSH server, and the timeline says so; a server that refuses our key ends the document
`delivery_failed` with the reason, for the recipient's eyes."""

from __future__ import annotations

import pytest

from pagero.documents.models import Document
from pagero.partners import public as partners
from tests.delivery.test_sftp_channel import Sshd, sshd  # noqa: F401
from tests.exchange.conftest import eager  # noqa: F401
from tests.exchange.factory import document

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("eager")]  # starts sshd; the pipeline inline


def receive_by_sftp(nordic, server: Sshd) -> None:
    target = partners.set_sftp_target(
        nordic.id,
        host="127.0.0.1",
        port=server.port,
        user=server.user,
        directory=str(server.incoming),
        host_key=server.host_key_line,
    )
    server.authorise(target.client_public_key)
    partners.set_receive_preferences(nordic.id, channel="sftp", format="cii")


@pytest.mark.django_db(transaction=True)
def test_a_document_is_delivered_on_the_recipients_sftp_server(acme, nordic, sshd):  # noqa: F811
    receive_by_sftp(nordic, sshd)
    body = acme.post(document("ubl", number="SFTP-J1")).json()
    assert body["status"] == "delivered", body
    (written,) = sshd.incoming.iterdir()
    assert written.name == f"SFTP-J1_{body['id']}.xml"
    assert b"CrossIndustryInvoice" in written.read_bytes()  # the recipient's format, not the original UBL
    kinds = list(Document.objects.get(pk=body["id"]).events.values_list("kind", flat=True))
    assert kinds[-1] == "delivered"


@pytest.mark.django_db(transaction=True)
def test_a_server_that_refuses_our_key_ends_the_document_with_the_reason(acme, nordic, sshd, settings):  # noqa: F811
    receive_by_sftp(nordic, sshd)
    sshd.authorized_keys.write_text("")  # the recipient withdrew our key
    body = acme.post(document("ubl", number="SFTP-J2")).json()
    assert body["status"] == "delivery_failed"
    failed = Document.objects.get(pk=body["id"])
    assert "authentication failed" in failed.status_reason
    assert list(sshd.incoming.iterdir()) == []
