"""The delivery tests use the exchange fixtures (organisations, HTTP receiver)."""

from tests.exchange.conftest import acme, nordic, receiver  # noqa: F401 - fixtures
