"""A throw-away Peppol-like PKI for AS4 tests: one CA, two access-point certificates and an SMP certificate.

Peppol access points sign and encrypt with certificates issued by the OpenPeppol AP CA, whose subject CN is the
service provider's seat id (`POP000123`); SMPs sign with certificates of the OpenPeppol SMP CA (`PSG000123`). Tests
cannot have those, so this makes the same shapes under a test CA: one CA issuing both kinds (the peers are told to
trust exactly this CA), with RSA 2048 keys and SHA-256 signatures as the Peppol AS4 profile uses.

Written per party, in the forms each side reads: PEM (certificate, unencrypted PKCS#8 key) for our Python code,
PKCS#12 key stores (alias `ap` or `smp`, key + certificate + CA chain) and a PKCS#12 Java trust store (the CA as a
trusted-certificate entry) for phase4 on Java 17. All stores use the same password.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSWORD = "test"
KEY_BITS = 2048
VALIDITY = datetime.timedelta(days=30)


@dataclass(frozen=True)
class Party:
    """One key pair and its certificate, with the files written for it."""

    name: str
    seat_id: str  # the certificate's subject CN, Peppol's seat id (C2/C3 party id in AS4)
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    cert_pem: Path
    key_pem: Path
    keystore: Path  # PKCS#12: key + certificate + CA, alias `alias`
    alias: str


@dataclass(frozen=True)
class AS4TestPKI:
    folder: Path
    password: str
    ca_key: rsa.RSAPrivateKey
    ca_certificate: x509.Certificate
    ca_pem: Path
    truststore: Path  # PKCS#12 Java trust store with the CA certificate as a trusted entry
    ours: Party  # our access point
    peer: Party  # the phase4 peer's access point
    smp: Party  # our SMP's signing certificate


def _name(common_name: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pagero Test Network"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


@functools.cache
def _role_key(role: str) -> rsa.RSAPrivateKey:
    """The key of a role in the PKIs `generate` writes, made once per process: an RSA key takes a tenth of a second
    or more, and every PKI of a run holds its own certificates anyway. Rogue CAs and parties get new keys."""
    return _new_key()


def make_ca(
    common_name: str = "Test Peppol CA", now: datetime.datetime | None = None, key: rsa.RSAPrivateKey | None = None
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A self-signed CA key (a new one unless given) and certificate."""
    now = now or datetime.datetime.now(datetime.UTC)
    key = key or _new_key()
    name = _name(common_name, "TEST CA")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    common_name: str,
    unit: str,
    now: datetime.datetime | None = None,
    key: rsa.RSAPrivateKey | None = None,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """An end-entity certificate as Peppol issues them: signing and key encipherment (AS4 encrypts to it), for a new
    key unless one is given."""
    now = now or datetime.datetime.now(datetime.UTC)
    key = key or _new_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, unit))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=True,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _encryption(password: str) -> serialization.KeySerializationEncryption:
    # PBES2 with AES-256 and PBKDF2-SHA256: what Java 17's PKCS12 key store reads and writes by default.
    return (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(10000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )


def write_party(
    folder: Path,
    name: str,
    seat_id: str,
    alias: str,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    ca_cert: x509.Certificate,
    password: str = PASSWORD,
) -> Party:
    cert_pem = folder / f"{name}.crt.pem"
    key_pem = folder / f"{name}.key.pem"
    keystore = folder / f"{name}.p12"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    keystore.write_bytes(
        pkcs12.serialize_key_and_certificates(alias.encode(), key, cert, [ca_cert], _encryption(password))
    )
    return Party(name, seat_id, key, cert, cert_pem, key_pem, keystore, alias)


def write_truststore(path: Path, certificates: list[x509.Certificate], password: str = PASSWORD) -> Path:
    """A PKCS#12 trust store Java reads as trusted-certificate entries (plain certificate bags it would ignore)."""
    entries = [
        pkcs12.PKCS12Certificate(cert, f"ca{index}".encode()) for index, cert in enumerate(certificates, start=1)
    ]
    path.write_bytes(pkcs12.serialize_java_truststore(entries, _encryption(password)))
    return path


def generate(
    folder: Path,
    password: str = PASSWORD,
    our_seat: str = "POP000101",
    peer_seat: str = "POP000202",
    smp_seat: str = "PSG000101",
) -> AS4TestPKI:
    """A CA, our AP, the peer's AP and our SMP certificate, written under `folder` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = make_ca(key=_role_key("ca"))
    ca_pem = folder / "ca.crt.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    parties = {}
    for name, seat, unit, alias in (
        ("ours", our_seat, "PEPPOL TEST AP", "ap"),
        ("peer", peer_seat, "PEPPOL TEST AP", "ap"),
        ("smp", smp_seat, "PEPPOL TEST SMP", "smp"),
    ):
        key, cert = issue(ca_key, ca_cert, seat, unit, key=_role_key(name))
        parties[name] = write_party(folder, name, seat, alias, key, cert, ca_cert, password)
    truststore = write_truststore(folder / "truststore.p12", [ca_cert], password)
    return AS4TestPKI(
        folder, password, ca_key, ca_cert, ca_pem, truststore, parties["ours"], parties["peer"], parties["smp"]
    )
