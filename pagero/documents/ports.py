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
from pagero.kernel.vocabulary import ORDER_TYPES, DocumentType, Syntax
from pagero.routing import public as routing

# The pipeline checks each rendition itself, with the recipient's tolerance of national rules (pipeline.py), so the
# port converts without checking the output a second time.
PIPELINE_CHECK = "none"


@dataclass(frozen=True)
class CallContext:
    """Who a call is made for: the tenant (canary routing is sticky per tenant) and the input it names."""

    tenant_id: int | None = None
    input_ref: str = ""  # e.g. "<document id>:original": names the input in shadow observations
    document_type: str = DocumentType.INVOICE  # orders and order responses go to the order model

    @property
    def is_order(self) -> bool:
        return self.document_type in ORDER_TYPES


class Converted(Protocol):
    """What a conversion gives the pipeline: an invoice's Conversion or an order's OrderConversion."""

    @property
    def data(self) -> bytes: ...

    @property
    def warnings(self) -> list[formats.ConversionWarning]: ...


class FormatsPort(Protocol):
    def validate(self, document: bytes, context: CallContext) -> formats.ValidationReport: ...

    def convert(self, document: bytes, target: str, context: CallContext) -> Converted: ...


class RoutingPort(Protocol):
    def resolve(self, document: bytes, context: CallContext) -> routing.RoutingDecision: ...


class LocalFormats:
    """The formats context in this process."""

    def validate(self, document: bytes, context: CallContext) -> formats.ValidationReport:
        if context.is_order:
            return formats.validate_order(document)
        return formats.validate(document)

    def convert(self, document: bytes, target: str, context: CallContext) -> Converted:
        if context.is_order:
            # The receive formats name syntax families: UN/CEFACT CII is Order-X for an order.
            return formats.convert_order(document, ORDER_TARGETS.get(target, target), check=PIPELINE_CHECK)
        return formats.convert(document, target, check=PIPELINE_CHECK)


# A receive format (a syntax) -> the order syntax of that family.
ORDER_TARGETS: dict[str, str] = {Syntax.CII: "orderx"}


class LocalRouting:
    """The routing context in this process."""

    def resolve(self, document: bytes, context: CallContext) -> routing.RoutingDecision:
        if context.is_order:
            return routing.resolve_order_recipient(formats.parse_order(document).order)
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
