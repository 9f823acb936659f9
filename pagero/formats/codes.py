"""Names of the codes an invoice carries, for people reading it: UN/ECE Recommendation 20/21 units of measure
(BT-130, BT-150), UNTDID 4461 payment means (BT-81), UNTDID 5305 VAT categories (BT-95, BT-102, BT-118, BT-151)
and UNTDID 1001 document types (BT-3).

The common codes of the network's documents only: a code not listed is shown as it is, never guessed. Plain
English text, no Django: the formats domain renders PDFs without the web framework; a translated user interface
wraps these names in its own translation calls.
"""

from __future__ import annotations

UNITS = {
    "C62": "unit",
    "H87": "piece",
    "EA": "each",
    "XPP": "piece",
    "HUR": "hour",
    "MIN": "minute",
    "DAY": "day",
    "WEE": "week",
    "MON": "month",
    "ANN": "year",
    "KGM": "kg",
    "GRM": "g",
    "TNE": "tonne",
    "MTR": "m",
    "KMT": "km",
    "MTK": "m²",
    "MTQ": "m³",
    "LTR": "litre",
    "KWH": "kWh",
    "SET": "set",
    "PR": "pair",
    "XBX": "box",
    "XPK": "package",
    "LS": "lump sum",
    "ZZ": "unit",
}

PAYMENT_MEANS = {
    "1": "Not defined",
    "10": "Cash",
    "20": "Cheque",
    "30": "Credit transfer",
    "31": "Debit transfer",
    "42": "Payment to bank account",
    "48": "Bank card",
    "49": "Direct debit",
    "54": "Credit card",
    "55": "Debit card",
    "57": "Standing agreement",
    "58": "SEPA credit transfer",
    "59": "SEPA direct debit",
    "68": "Online payment service",
    "97": "Clearing between partners",
    "ZZZ": "Mutually defined",
}

VAT_CATEGORIES = {
    "S": "Standard rate",
    "Z": "Zero rated",
    "E": "Exempt from VAT",
    "AE": "Reverse charge",
    "K": "Intra-community supply",
    "G": "Export outside the EU",
    "O": "Outside the scope of VAT",
    "L": "Canary Islands tax",
    "M": "Ceuta and Melilla tax",
    "B": "Transferred VAT (Italy)",
}

DOCUMENT_TYPES = {
    "380": "Invoice",
    "381": "Credit note",
    "383": "Debit note",
    "384": "Corrected invoice",
    "386": "Prepayment invoice",
    "389": "Self-billed invoice",
    "326": "Partial invoice",
    "261": "Self-billed credit note",
    "396": "Factored credit note",
    "393": "Factored invoice",
    "751": "Invoice information for accounting purposes",
}

LISTS = {
    "unit": UNITS,
    "payment_means": PAYMENT_MEANS,
    "vat_category": VAT_CATEGORIES,
    "document_type": DOCUMENT_TYPES,
}
# Unit and VAT category codes are upper case in their lists; a lower-case "c62" is the same code. Payment means
# and document types are numbers (and "ZZZ"): compared as written.
CASE_INSENSITIVE = frozenset({"unit", "vat_category"})


def name_of(code: object, code_list: str) -> str | None:
    """The name of `code` in a code list (unit, payment_means, vat_category, document_type); None if not listed."""
    if code is None:
        return None
    text = str(code).strip()
    return LISTS[code_list].get(text.upper() if code_list in CASE_INSENSITIVE else text)


def shown(code: object, code_list: str) -> str:
    """The code's name where the list has one, else the code as written (an unlisted code is not a name)."""
    name = name_of(code, code_list)
    return name if name is not None else ("" if code is None else str(code))
