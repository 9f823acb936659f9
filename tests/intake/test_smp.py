"""Our SMP's read API through the test client: a registered participant's service group and signed service
metadata, verified as a sender verifies it (signxml against the SMP CA, and our own `peppol` channel's SMP reader),
and the refusals."""

from __future__ import annotations

import base64
from urllib.parse import quote, unquote, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from django.test import Client
from django.urls import include, path
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier

from pagero.delivery.as4 import smp as smp_client
from pagero.intake import smp, smp_views
from pagero.partners import public as partners
from pagero.urls import handler500 as handler500
from pagero.urls import urlpatterns as product
from tests.peers import as4_pki

urlpatterns = [
    path("as4", include("pagero.intake.as4_urls")),
    path("smp/", include("pagero.intake.smp_urls")),
    *product,
]

PARTICIPANT = "0192:987654325"
INVOICE = smp.BILLING_SERVICES[0]
NS = {"smp": smp.SMP_NS, "id": smp.IDS_NS, "wsa": smp.WSA_NS}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> as4_pki.AS4TestPKI:
    return as4_pki.generate(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def client(settings, pki, db) -> Client:
    settings.ROOT_URLCONF = __name__
    settings.PEPPOL_SMP_CERTIFICATE = str(pki.smp.cert_pem)
    settings.PEPPOL_SMP_KEY = str(pki.smp.key_pem)
    settings.PEPPOL_AP_CERTIFICATE = str(pki.ours.cert_pem)
    settings.PEPPOL_AP_URL = "https://ap.example.net/as4"
    smp_views._publisher.cache_clear()
    org = partners.ensure_organisation("Nordic Buyer AB", "nordic-buyer")
    partners.add_identifier(org.id, *PARTICIPANT.split(":"), verified=True)
    return Client()


def participant_path(participant: str = PARTICIPANT) -> str:
    return "/smp/" + quote(f"iso6523-actorid-upis::{participant}", safe="")


def metadata_path(document_type: str = INVOICE.document_type, participant: str = PARTICIPANT) -> str:
    return f"{participant_path(participant)}/services/" + quote(f"busdox-docid-qns::{document_type}", safe="")


def test_the_service_group_references_each_document_type(client):
    response = client.get(participant_path())

    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    group = etree.fromstring(response.content)
    assert group.findtext("id:ParticipantIdentifier", namespaces=NS) == PARTICIPANT
    hrefs = [r.get("href") for r in group.iterfind(".//smp:ServiceMetadataReference", NS)]
    assert len(hrefs) == len(smp.BILLING_SERVICES)
    # Each reference is a working URL of this SMP.
    for href, service in zip(hrefs, smp.BILLING_SERVICES, strict=True):
        assert unquote(href).endswith(f"/services/busdox-docid-qns::{service.document_type}")
        assert client.get(urlsplit(href).path).status_code == 200


def test_the_service_metadata_is_signed_by_the_smp_and_names_our_endpoint(client, pki):
    response = client.get(metadata_path())

    assert response.status_code == 200
    verified = XMLVerifier().verify(
        response.content, ca_pem_file=str(pki.ca_pem), expect_config=SignatureConfiguration(require_x509=True)
    )
    signing = verified.signed_xml
    assert signing.tag == f"{{{smp.SMP_NS}}}SignedServiceMetadata"
    # What our own peppol channel reads from it: our AS4 URL and our AP certificate.
    endpoint = smp_client.read_signed_metadata(
        response.content, pki.ca_pem, PARTICIPANT, INVOICE.document_type, INVOICE.process
    )
    assert endpoint.url == "https://ap.example.net/as4"
    assert endpoint.certificate == pki.ours.certificate
    # Signed with the SMP certificate, not the AP's.
    der = "".join(verified.signature_xml.findtext(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate").split())
    assert der == base64.b64encode(pki.smp.certificate.public_bytes(serialization.Encoding.DER)).decode()


def test_a_tampered_answer_does_not_verify(client, pki):
    body = client.get(metadata_path()).content.replace(b"https://ap.example.net/as4", b"https://evil.example/as4")

    with pytest.raises(smp_client.SmpLookupFailed, match="not validly signed"):
        smp_client.read_signed_metadata(body, pki.ca_pem, PARTICIPANT, INVOICE.document_type, INVOICE.process)


def test_refusals(client, settings):
    assert client.get(participant_path("0192:810034882")).status_code == 404  # not ours
    assert client.get(metadata_path("urn:example:unknown::Doc##x::1")).status_code == 404
    assert client.get("/smp/" + quote("other-scheme::0192:987654325", safe="")).status_code == 400
    assert client.get(participant_path() + "/services/" + quote("busdox-docid-qns::", safe="")).status_code == 400
    assert client.get("/smp/" + "a" * 5000).status_code == 400
    assert client.post(participant_path()).status_code == 405
    settings.PEPPOL_SMP_KEY = ""
    assert client.get(metadata_path()).status_code == 503
