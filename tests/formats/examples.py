"""How many examples a property test draws: its own count in `make test`, at most the loaded profile's where that
profile asks for fewer than hypothesis' default (the `fast` profile that `make test-fast` loads, tests/conftest.py).

A count given in `@settings(max_examples=...)` overrides any profile; this keeps the fast tier's bound on it."""

from __future__ import annotations

from hypothesis import settings


def examples(full: int) -> int:
    loaded = settings.default.max_examples
    return min(full, loaded) if loaded < settings.get_profile("default").max_examples else full
