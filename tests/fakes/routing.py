"""A routing port over a dict of identifiers -> organisations: for unit-testing what the pipeline does with a
routing decision (route, undeliverable with the reason) without the partner directory in a database.

The document is read with the formats context and its buyer identifiers are offered in the routing context's own
priority order (`routing.candidates_of`); only the look-up is the fake's: `directory` maps an identifier to the
organisation that receives on it. Keys are "scheme:value" for identifiers routed with their scheme (endpoint id,
legal registration id, GLN), the bare value for those routed under any scheme of their kind (a VAT number, an
e-mail address). Values are compared without blanks and case-insensitively, as the directory compares them. An
identifier that maps to more than one organisation is ambiguous: it is tried, marked so, and the next one is tried,
as the real port does.

It passes the routing port contract (tests/contracts/test_routing_port_contract.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from pagero.documents import public as documents
from pagero.formats import public as formats
from pagero.routing import public as routing


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str


def _normal(identifier: str) -> str:
    # The directory stores values without blanks and compares them case-insensitively.
    return "".join(identifier.split()).lower()


class DirectoryRouting:
    def __init__(self, directory: dict[str, Organisation | list[Organisation]] | None = None) -> None:
        self.directory: dict[str, list[Organisation]] = {}
        self.calls: list[documents.CallContext] = []
        for identifier, organisations in (directory or {}).items():
            for organisation in organisations if isinstance(organisations, list) else [organisations]:
                self.register(identifier, organisation)

    def register(self, identifier: str, organisation: Organisation) -> None:
        """Let `organisation` receive on `identifier` ("0192:987654325", or "NO987654325MVA" for a VAT number)."""
        holders = self.directory.setdefault(_normal(identifier), [])
        if organisation not in holders:
            holders.append(organisation)

    def resolve(self, document: bytes, context: documents.CallContext) -> routing.RoutingDecision:
        self.calls.append(context)
        tried: list[str] = []
        for candidate in routing.candidates_of(formats.parse(document).invoice):
            key = f"{candidate.scheme}:{candidate.value}" if candidate.scheme else candidate.value
            found = self.directory.get(_normal(key), [])
            if len(found) == 1:
                return routing.RoutingDecision(found[0].id, found[0].name, str(candidate), tried)
            tried.append(str(candidate) + (" (ambiguous)" if found else ""))
        return routing.RoutingDecision(None, None, None, tried)
