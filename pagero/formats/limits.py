"""The parsing budget: every bound the readers enforce on their input, in one place.

The document size (MAX_DOCUMENT_BYTES) is enforced by the callers of the port; these bounds keep any one parse
of a document of that size short (seconds at most) and its output (warnings, findings) small.
"""

from __future__ import annotations

# XML: deepest element nesting accepted. One limit for detect, parse, XSD and the business rules (Saxon fails on
# much shallower documents than libxml2), checked once when the document is parsed. EN 16931 documents nest ~10.
MAX_XML_DEPTH = 100
# XML: elements in one document. The largest corpus invoices hold a few thousand.
MAX_XML_ELEMENTS = 1_000_000
# EDIFACT: segments in one interchange.
MAX_EDIFACT_SEGMENTS = 1_000_000
# EDIFACT: data elements in one interchange (each costs a list): what 20 MB of real segments hold, at most.
MAX_EDIFACT_ELEMENTS = 2_000_000

# Amounts, quantities, prices and percentages: digits before and after the decimal mark. 18 integer digits hold
# any real amount (10^15 and beyond in IDR or VND); 10 decimals any unit price.
MAX_INTEGER_DIGITS = 18
MAX_FRACTION_DIGITS = 10

# Warnings about source content the model does not hold: the first ones with their paths, then one with the count.
MAX_UNUSED_WARNINGS = 200
# Findings kept in a validation report (all are counted).
MAX_FINDINGS = 200
