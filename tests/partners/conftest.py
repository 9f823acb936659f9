"""The partners tests use the exchange fixtures (organisations)."""

from tests.exchange.conftest import acme, nordic, outsider  # noqa: F401 - fixtures
