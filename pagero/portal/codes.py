"""Names for the code lists an invoice shows (UN/ECE Rec 20/21 units, UNCL4461 payment means, UNCL5305 VAT
categories): the common codes of the network's documents. A code not listed is shown as it is."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

UNITS = {
    "C62": pgettext_lazy("unit of measure", "unit"),
    "H87": pgettext_lazy("unit of measure", "piece"),
    "EA": pgettext_lazy("unit of measure", "each"),
    "XPP": pgettext_lazy("unit of measure", "piece"),
    "HUR": pgettext_lazy("unit of measure", "hour"),
    "MIN": pgettext_lazy("unit of measure", "minute"),
    "DAY": pgettext_lazy("unit of measure", "day"),
    "WEE": pgettext_lazy("unit of measure", "week"),
    "MON": pgettext_lazy("unit of measure", "month"),
    "ANN": pgettext_lazy("unit of measure", "year"),
    "KGM": pgettext_lazy("unit of measure", "kg"),
    "GRM": pgettext_lazy("unit of measure", "g"),
    "TNE": pgettext_lazy("unit of measure", "tonne"),
    "MTR": pgettext_lazy("unit of measure", "m"),
    "KMT": pgettext_lazy("unit of measure", "km"),
    "MTK": pgettext_lazy("unit of measure", "m²"),
    "MTQ": pgettext_lazy("unit of measure", "m³"),
    "LTR": pgettext_lazy("unit of measure", "litre"),
    "KWH": pgettext_lazy("unit of measure", "kWh"),
    "SET": pgettext_lazy("unit of measure", "set"),
    "PR": pgettext_lazy("unit of measure", "pair"),
    "XBX": pgettext_lazy("unit of measure", "box"),
    "XPK": pgettext_lazy("unit of measure", "package"),
    "LS": pgettext_lazy("unit of measure", "lump sum"),
    "ZZ": pgettext_lazy("unit of measure", "unit"),
}

PAYMENT_MEANS = {
    "1": _("not defined"),
    "10": _("cash"),
    "20": _("cheque"),
    "30": _("credit transfer"),
    "31": _("debit transfer"),
    "42": _("payment to bank account"),
    "48": _("bank card"),
    "49": _("direct debit"),
    "54": _("credit card"),
    "55": _("debit card"),
    "57": _("standing agreement"),
    "58": _("SEPA credit transfer"),
    "59": _("SEPA direct debit"),
    "68": _("online payment service"),
    "97": _("clearing between partners"),
    "ZZZ": _("mutually defined"),
}

VAT_CATEGORIES = {
    "S": _("standard rate"),
    "Z": _("zero rated"),
    "E": _("exempt from VAT"),
    "AE": _("reverse charge"),
    "K": _("intra-community supply"),
    "G": _("export outside the EU"),
    "O": _("outside the scope of VAT"),
    "L": _("Canary Islands tax"),
    "M": _("Ceuta and Melilla tax"),
    "B": _("transferred VAT (Italy)"),
}

LISTS = {"unit": UNITS, "payment_means": PAYMENT_MEANS, "vat_category": VAT_CATEGORIES}


def name_of(code: object, code_list: str) -> str:
    """The name of `code` in a code list (unit, payment_means, vat_category); the code itself if not listed."""
    text = "" if code is None else str(code)
    found = LISTS[code_list].get(text.strip().upper() if code_list != "payment_means" else text.strip())
    return str(found) if found is not None else text
