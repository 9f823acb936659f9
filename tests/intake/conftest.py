"""The intake tests use the exchange fixtures (two organisations that route to each other)."""

from tests.exchange.conftest import acme, nordic  # noqa: F401 - fixtures
