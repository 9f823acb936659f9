"""Participant identifier schemes and the checks a claimed value must pass.

Schemes are ISO 6523 ICD codes as used by Peppol (e.g. 0088 GLN, 0192 Norwegian organisation number), the
national VAT schemes (99xx, and a plain "vat"), and e-mail ("em", "email"). A value is bounded, free of control
characters and has the form its scheme defines; check digits are verified where the scheme has a simple one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_SCHEME_LENGTH = 16
MAX_VALUE_LENGTH = 64
MAX_EMAIL_LENGTH = 254  # RFC 5321 path limit
MAX_RAW_LENGTH = 512  # what we look at before normalising (blanks removed)

EMAIL_SCHEMES = frozenset({"em", "email"})
# National VAT schemes and the country prefix their values carry (None: any country, e.g. 9912 EU VAT).
VAT_COUNTRIES: dict[str, tuple[str, ...] | None] = {
    "vat": None,
    "9906": ("IT",),
    "9907": ("IT",),
    "9908": ("NO",),
    "9909": ("NO",),
    "9910": ("HU",),
    "9912": None,
    "9913": None,
    "9914": ("AT",),
    "9915": ("AT",),
    "9917": ("IS",),
    "9918": None,
    "9919": ("AT",),
    "9920": ("ES",),
    "9921": ("IT",),
    "9922": ("AD",),
    "9923": ("AL",),
    "9924": ("BA",),
    "9925": ("BE",),
    "9926": ("BG",),
    "9927": ("CH",),
    "9928": ("CY",),
    "9929": ("CZ",),
    "9930": ("DE",),
    "9931": ("EE",),
    "9932": ("GB",),
    "9933": ("EL", "GR"),
    "9934": ("HR",),
    "9935": ("IE",),
    "9936": ("LI",),
    "9937": ("LT",),
    "9938": ("LU",),
    "9939": ("LV",),
    "9940": ("MC",),
    "9941": ("ME",),
    "9942": ("MK",),
    "9943": ("MT",),
    "9944": ("NL",),
    "9945": ("PL",),
    "9946": ("PT",),
    "9947": ("RO",),
    "9948": ("RS",),
    "9949": ("SI",),
    "9950": ("SK",),
    "9951": ("SM",),
    "9952": ("TR",),
    "9953": ("VA",),
    "9955": ("SE",),
    "9957": ("FR",),
}
VAT_SCHEMES = frozenset(VAT_COUNTRIES)


def _digits(count: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if re.fullmatch(rf"\d{{{count}}}", value) else f"must be {count} digits"

    return check


def _gs1(value: str) -> str | None:
    """GLN: 13 digits, the last a GS1 mod-10 check digit (weights 3 and 1 from the right)."""
    if not re.fullmatch(r"\d{13}", value):
        return "a GLN must be 13 digits"
    body = [int(d) for d in value[:-1]]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(body))
    return None if (10 - total % 10) % 10 == int(value[-1]) else "the GLN check digit is wrong"


def _luhn_10(value: str) -> str | None:
    """Swedish organisation number: 10 digits, the last a Luhn check digit."""
    if not re.fullmatch(r"\d{10}", value):
        return "a Swedish organisation number must be 10 digits"
    total = 0
    for i, d in enumerate(int(c) for c in value[:9]):
        product = d * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return None if (10 - total % 10) % 10 == int(value[-1]) else "the organisation number check digit is wrong"


def _no_orgnr(value: str) -> str | None:
    """Norwegian organisation number: 9 digits, the last a mod-11 check digit."""
    if not re.fullmatch(r"\d{9}", value):
        return "a Norwegian organisation number must be 9 digits"
    remainder = sum(int(d) * w for d, w in zip(value[:8], (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return None if check == int(value[-1]) else "the organisation number check digit is wrong"


def _be_enterprise(value: str) -> str | None:
    """Belgian enterprise number: 10 digits starting 0 or 1, the last two 97 - (first eight mod 97)."""
    if not re.fullmatch(r"[01]\d{9}", value):
        return "a Belgian enterprise number must be 10 digits starting with 0 or 1"
    return None if 97 - int(value[:8]) % 97 == int(value[8:]) else "the enterprise number check digits are wrong"


def _dk_cvr(value: str) -> str | None:
    if not re.fullmatch(r"\d{8}", value):
        return "a CVR number must be 8 digits"
    total = sum(int(d) * w for d, w in zip(value, (2, 7, 6, 5, 4, 3, 2, 1), strict=True))
    return None if total % 11 == 0 else "the CVR number check digit is wrong"


def _lei(value: str) -> str | None:
    return None if re.fullmatch(r"[A-Za-z0-9]{20}", value) else "an LEI must be 20 letters and digits"


_GENERIC = re.compile(r"[A-Za-z0-9][A-Za-z0-9.:_/-]*")

# ISO 6523 ICD codes of the Peppol participant identifier list, with a stricter check where there is one.
ICD_SCHEMES: dict[str, Callable[[str], str | None] | None] = {
    "0002": _digits(9),  # FR SIRENE
    "0007": _luhn_10,  # SE organisation number
    "0009": _digits(14),  # FR SIRET
    "0037": None,  # FI OVT
    "0060": _digits(9),  # DUNS
    "0088": _gs1,  # GLN
    "0096": _digits(10),  # DK P-number
    "0097": None,  # IT FTI
    "0106": _digits(8),  # NL KvK
    "0130": None,  # EU directorates
    "0135": None,  # IT SIA
    "0142": None,  # IT SECETI
    "0147": None,  # Standard Company Code
    "0151": _digits(11),  # AU ABN
    "0154": None,  # Identification number of economic subjects (ICO)
    "0158": None,  # Identification number of economic subject (ICO) Act on State Statistics
    "0170": None,  # Teikoku Company Code
    "0183": None,  # CH UIDB
    "0184": _dk_cvr,  # DK CVR
    "0188": None,  # JP SST
    "0190": _digits(20),  # NL OIN
    "0191": None,  # EE company code
    "0192": _no_orgnr,  # NO organisation number
    "0193": None,  # UBL.BE party identifier
    "0194": None,  # KOIOS
    "0195": None,  # SG UEN
    "0196": _digits(10),  # IS kennitala
    "0198": None,  # DK ERST
    "0199": _lei,  # LEI
    "0200": None,  # LT legal entity code
    "0201": None,  # IT CUU
    "0202": None,  # DE Leitweg-ID
    "0203": None,  # BE eDelivery network
    "0204": None,  # DE Leitweg-ID
    "0205": None,  # IT CODDEST
    "0208": _be_enterprise,  # BE enterprise number
    "0209": None,  # GS1 identification keys
    "0210": None,  # IT codice fiscale
    "0211": None,  # IT partita IVA
    "0212": None,  # FI organisation identifier
    "0213": None,  # FI VAT
    "0215": None,  # FI net service identifier
    "0216": None,  # FI OVTcode
    "0217": None,  # NL Netherlands Chamber of Commerce
    "0218": None,  # LV unified registration number
    "0221": None,  # JP registered number of qualified invoice issuers
    "0225": None,  # FR FRCTC electronic address
    "0230": None,  # MY national e-invoicing framework
    "0235": None,  # AE TIN
    "0240": None,  # BE register of legal persons
    "0244": None,  # AE Peppol
    "9901": None,  # DK CPR
    "9959": None,  # US EIN
}
KNOWN_SCHEMES = frozenset(ICD_SCHEMES) | VAT_SCHEMES | EMAIL_SCHEMES


class InvalidIdentifier(ValueError):
    """A scheme or value an identifier cannot have; the message says what is wrong."""


def _control_characters(text: str) -> bool:
    return any(unicodedata.category(char).startswith("C") for char in text)


def normalise(scheme: str, value: str) -> tuple[str, str]:
    """Scheme codes are trimmed and lower-cased; values lose all blanks (compared case-insensitively)."""
    return scheme.strip().lower(), "".join(value.split())


def check(scheme: str, value: str) -> tuple[str, str]:
    """The normalised (scheme, value), or InvalidIdentifier naming the problem."""
    if not isinstance(scheme, str) or not isinstance(value, str):
        raise InvalidIdentifier("an identifier needs both a scheme (e.g. 0192) and a value")
    if len(scheme) > MAX_RAW_LENGTH or len(value) > MAX_RAW_LENGTH:
        raise InvalidIdentifier(f"an identifier value is at most {MAX_VALUE_LENGTH} characters")
    scheme, value = normalise(scheme, value)
    if not scheme or not value:
        raise InvalidIdentifier("an identifier needs both a scheme (e.g. 0192) and a value")
    if _control_characters(scheme) or _control_characters(value):
        raise InvalidIdentifier("an identifier must not contain control characters")
    if len(scheme) > MAX_SCHEME_LENGTH or scheme not in KNOWN_SCHEMES:
        raise InvalidIdentifier(
            f"unknown identifier scheme {scheme[:MAX_SCHEME_LENGTH]!r}: use an ISO 6523 ICD code such as 0088 (GLN), "
            "0007, 0192 or 0208, a VAT scheme such as 9930 or 'vat', or 'em' for an e-mail address"
        )
    if scheme in EMAIL_SCHEMES:
        if len(value) > MAX_EMAIL_LENGTH:
            raise InvalidIdentifier(f"an e-mail identifier is at most {MAX_EMAIL_LENGTH} characters")
        try:
            validate_email(value)
        except ValidationError:
            raise InvalidIdentifier(f"{value!r} is not an e-mail address") from None
        return scheme, value
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidIdentifier(f"an identifier value is at most {MAX_VALUE_LENGTH} characters")
    if scheme in VAT_SCHEMES:
        _check_vat(scheme, value)
        return scheme, value
    if not _GENERIC.fullmatch(value):
        raise InvalidIdentifier(f"a {scheme} identifier has letters, digits and . : _ / - only")
    rule = ICD_SCHEMES[scheme]
    problem = rule(value) if rule else None
    if problem:
        raise InvalidIdentifier(f"{scheme}:{value} is not valid: {problem}")
    return scheme, value


def _check_vat(scheme: str, value: str) -> None:
    match = re.fullmatch(r"([A-Za-z]{2})([A-Za-z0-9]{2,16})", value)
    if not match:
        raise InvalidIdentifier(
            "a VAT number is a two-letter country prefix and 2 to 16 letters or digits "
            f"(e.g. DE123456789), not {value!r}"
        )
    countries = VAT_COUNTRIES[scheme]
    if countries and match.group(1).upper() not in countries:
        raise InvalidIdentifier(f"a {scheme} VAT number starts with {' or '.join(countries)}, not {match.group(1)!r}")


def family(scheme: str) -> frozenset[str]:
    """The schemes routing treats as one identifier: all VAT schemes carry one VAT number, both e-mail schemes one
    address (see pagero/routing/rules.py)."""
    if scheme in VAT_SCHEMES:
        return VAT_SCHEMES
    if scheme in EMAIL_SCHEMES:
        return EMAIL_SCHEMES
    return frozenset({scheme})
