"""Which buyer identifiers a document offers for routing, in priority order (pure logic, no Django)."""

from __future__ import annotations

from dataclasses import dataclass

# VAT numbers are registered under national VAT schemes (ISO 6523 ICD 99xx) or a plain "vat" scheme. The partners
# context validates claims with the same sets (tests/partners checks they agree).
VAT_SCHEMES = frozenset(
    {
        "vat",
        "9906",
        "9907",
        "9908",
        "9909",
        "9910",
        "9912",
        "9913",
        "9914",
        "9915",
        "9917",
        "9918",
        "9919",
        "9920",
        "9921",
        "9922",
        "9923",
        "9924",
        "9925",
        "9926",
        "9927",
        "9928",
        "9929",
        "9930",
        "9931",
        "9932",
        "9933",
        "9934",
        "9935",
        "9936",
        "9937",
        "9938",
        "9939",
        "9940",
        "9941",
        "9942",
        "9943",
        "9944",
        "9945",
        "9946",
        "9947",
        "9948",
        "9949",
        "9950",
        "9951",
        "9952",
        "9953",
        "9955",
        "9957",
    }
)
EMAIL_SCHEMES = frozenset({"em", "email"})
GLN = "0088"
PRIORITY = ("endpoint id", "legal registration id", "VAT id", "GLN", "e-mail")


@dataclass(frozen=True)
class Candidate:
    kind: str  # one of PRIORITY
    value: str
    scheme: str | None  # None: any scheme of the kind (VAT, e-mail)

    def __str__(self) -> str:
        return f"{self.kind} {self.scheme + ':' if self.scheme else ''}{self.value}"


def candidates(
    buyer_endpoint: tuple[str, str | None] | None,
    legal_id: tuple[str, str | None] | None,
    vat_id: str | None,
    buyer_ids: list[tuple[str, str | None]],
    email: str | None,
) -> list[Candidate]:
    """The identifiers to try, highest priority first: endpoint, legal registration, VAT, GLN, e-mail."""
    out: list[Candidate] = []
    if buyer_endpoint and buyer_endpoint[1]:
        scheme = buyer_endpoint[1].lower()
        out.append(Candidate("endpoint id", buyer_endpoint[0], None if scheme in EMAIL_SCHEMES else scheme))
    if legal_id and legal_id[1]:
        out.append(Candidate("legal registration id", legal_id[0], legal_id[1].lower()))
    if vat_id:
        out.append(Candidate("VAT id", vat_id, None))
    for value, id_scheme in buyer_ids:
        if id_scheme and id_scheme == GLN:
            out.append(Candidate("GLN", value, GLN))
    if email:
        out.append(Candidate("e-mail", email, None))
    return out
