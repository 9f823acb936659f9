"""The ports the pipeline calls other contexts through: formats (validate, convert) and routing (resolve).

The pipeline asks for `formats_port()` and `routing_port()` and does not know what answers. The local adapters
below call the contexts in this process; at startup another app may install an adapter in their place — the
strangler installs one that answers locally, in shadow, by canary or remotely by the context's mode, and the
shadow layer wraps the formats port to observe its conversions — as PAYLOAD_STORE picks the payload store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pagero.formats import public as formats
from pagero.routing import public as routing

# The pipeline checks each rendition itself, with the recipient's tolerance of national rules (pipeline.py), so the
# port converts without checking the output a second time.
PIPELINE_CHECK = "none"


@dataclass(frozen=True)
class CallContext:
    """Who a call is made for: the tenant (canary routing is sticky per tenant) and the input it names."""

    tenant_id: int | None = None
    input_ref: str = ""  # e.g. "<document id>:original": names the input in shadow observations


class FormatsPort(Protocol):
    def validate(self, document: bytes, context: CallContext) -> formats.ValidationReport: ...

    def convert(self, document: bytes, target: str, context: CallContext) -> formats.Conversion: ...


class RoutingPort(Protocol):
    def resolve(self, document: bytes, context: CallContext) -> routing.RoutingDecision: ...


class LocalFormats:
    """The formats context in this process."""

    def validate(self, document: bytes, context: CallContext) -> formats.ValidationReport:
        return formats.validate(document)

    def convert(self, document: bytes, target: str, context: CallContext) -> formats.Conversion:
        return formats.convert(document, target, check=PIPELINE_CHECK)


class LocalRouting:
    """The routing context in this process."""

    def resolve(self, document: bytes, context: CallContext) -> routing.RoutingDecision:
        return routing.resolve_recipient(formats.parse(document).invoice)


LOCAL_FORMATS = LocalFormats()
LOCAL_ROUTING = LocalRouting()
_installed: dict[str, object] = {"formats": LOCAL_FORMATS, "routing": LOCAL_ROUTING}


def install_formats_port(adapter: FormatsPort) -> None:
    _installed["formats"] = adapter


def install_routing_port(adapter: RoutingPort) -> None:
    _installed["routing"] = adapter


def formats_port() -> FormatsPort:
    adapter: FormatsPort = _installed["formats"]  # type: ignore[assignment]
    return adapter


def routing_port() -> RoutingPort:
    adapter: RoutingPort = _installed["routing"]  # type: ignore[assignment]
    return adapter
