"""Tests mirror the code: each context's tests sit in the folder of its name, and a test imports another context
only through its public module. The cross-context imports of internals that remain are listed below; the list may
only shrink (a new one fails this test, and one that is gone must leave the list too)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
CONTEXTS = (
    "pagero.partners",
    "pagero.documents",
    "pagero.formats",
    "pagero.routing",
    "pagero.delivery",
    "pagero.portal",
    "strangler",
    "shadow",
    "payload_migration",
)
# Test folders whose tests are a context's own: the pipeline's journeys and the REST API belong to documents.
OWNER = {"exchange": "pagero.documents", "web": "pagero.documents"}
# (test folder, imported internal module): mostly models for setting up or checking a journey's state.
REMAINING = {
    # Browser journeys set up what they show (documents, notification preferences, shadow observations).
    ("browser", "pagero.documents.models"),
    ("browser", "pagero.portal.models"),
    ("browser", "shadow.models"),
    ("contracts", "pagero.partners.models"),
    ("delivery", "pagero.documents.models"),
    ("delivery", "pagero.documents.pipeline"),
    ("delivery", "pagero.partners.models"),
    ("exchange", "pagero.delivery.webhook"),
    ("exchange", "pagero.formats.conversion"),
    ("exchange", "pagero.formats.model"),
    ("exchange", "pagero.formats.orders"),
    ("exchange", "pagero.partners.models"),
    ("exchange", "pagero.routing.rules"),
    ("exchange", "shadow.observed"),
    ("exchange", "strangler.adapters"),
    ("exchange", "strangler.models"),
    ("exchange", "strangler.router"),
    ("exchange", "strangler.rpc"),
    ("foundation", "pagero.partners.models"),
    ("intake", "pagero.delivery.as4"),  # our SMP's answer read back by the outbound SMP reader
    ("intake", "pagero.documents.models"),  # what an SFTP upload became
    ("intake", "pagero.documents.pipeline"),
    ("partners", "pagero.documents.models"),
    ("partners", "pagero.documents.pipeline"),
    ("partners", "pagero.formats.model"),
    ("partners", "pagero.routing.rules"),
    ("payload_migration", "strangler.models"),
    # Peer tests: our AS4 pieces against phase4 (the SBD and SMP documents a test SMP serves), and what arrived.
    ("peers", "pagero.delivery.as4"),
    ("peers", "pagero.documents.models"),
    ("portal", "pagero.documents.models"),
    ("portal", "pagero.documents.pipeline"),
    ("shadow", "strangler.models"),
    ("strangler", "pagero.documents.models"),
    ("strangler", "pagero.formats.conversion"),
    ("strangler", "shadow.models"),
}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def internal_of(module: str) -> str | None:
    """`pagero.documents.models` for any import inside a context other than its package and public module."""
    for context in CONTEXTS:
        if module.startswith(context + "."):
            first = module[len(context) + 1 :].split(".")[0]
            return None if first == "public" else f"{context}.{first}"
    return None


def cross_context_internals() -> Counter[tuple[str, str]]:
    seen: Counter[tuple[str, str]] = Counter()
    for path in TESTS.rglob("*.py"):
        folder = path.relative_to(TESTS).parts[0] if len(path.relative_to(TESTS).parts) > 1 else ""
        owner = OWNER.get(folder) or next((c for c in CONTEXTS if c.rsplit(".", 1)[-1] == folder), None)
        for module in imported_modules(path):
            internal = internal_of(module)
            if internal and owner and not internal.startswith(owner + "."):
                seen[(folder, internal)] += 1
            elif internal and not owner:
                seen[(folder, internal)] += 1
    return seen


def test_tests_import_other_contexts_only_through_their_public_modules():
    found = set(cross_context_internals())
    assert found - REMAINING == set(), "import the context's public module instead"
    assert REMAINING - found == set(), "gone: remove them from REMAINING"


def test_each_context_has_its_test_folder():
    for context in CONTEXTS:
        assert (TESTS / context.rsplit(".", 1)[-1]).is_dir(), context
