"""The extractable contexts: for each, its methods with a local implementation and a remote codec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pagero.formats import public as formats
from pagero.routing import public as routing

from . import codec
from . import contexts_pb2 as pb


@dataclass(frozen=True)
class Method:
    name: str  # e.g. formats.convert
    local: Callable  # the in-process implementation
    encode_request: Callable[..., bytes]
    serve: Callable[[bytes], bytes]  # server side: request bytes -> reply bytes (runs the local code)
    decode_reply: Callable[..., object]


def _serve_convert(body: bytes) -> bytes:
    request = pb.ConvertRequest.FromString(body)
    try:
        return codec.conversion_to_proto(
            formats.convert(request.document, request.target, check=PIPELINE_CHECK)
        ).SerializeToString()
    except Exception as exc:
        return pb.ConvertReply(fault=codec.fault_of(exc)).SerializeToString()


def _serve_validate(body: bytes) -> bytes:
    request = pb.ValidateRequest.FromString(body)
    try:
        return codec.report_to_proto(formats.validate(request.document)).SerializeToString()
    except Exception as exc:
        return pb.ValidateReply(fault=codec.fault_of(exc)).SerializeToString()


def _serve_route(body: bytes) -> bytes:
    request = pb.RouteRequest.FromString(body)
    try:
        invoice = formats.parse(request.document).invoice
        return codec.decision_to_proto(routing.resolve_recipient(invoice)).SerializeToString()
    except Exception as exc:
        return pb.RouteReply(fault=codec.fault_of(exc)).SerializeToString()


# The pipeline validates each rendition itself, with the recipient's tolerance of national rules
# (pagero/documents/pipeline.py), so the port converts without checking the output a second time.
PIPELINE_CHECK = "none"

METHODS: dict[str, Method] = {
    "formats.convert": Method(
        "formats.convert",
        lambda document, target: formats.convert(document, target, check=PIPELINE_CHECK),
        lambda document, target: pb.ConvertRequest(document=document, target=target).SerializeToString(),
        _serve_convert,
        lambda reply, document, target: codec.conversion_from_proto(pb.ConvertReply.FromString(reply), target),
    ),
    "formats.validate": Method(
        "formats.validate",
        lambda document: formats.validate(document),
        lambda document: pb.ValidateRequest(document=document).SerializeToString(),
        _serve_validate,
        lambda reply, document: codec.report_from_proto(pb.ValidateReply.FromString(reply)),
    ),
    "routing.resolve": Method(
        "routing.resolve",
        lambda document: routing.resolve_recipient(formats.parse(document).invoice),
        lambda document: pb.RouteRequest(document=document).SerializeToString(),
        _serve_route,
        lambda reply, document: codec.decision_from_proto(pb.RouteReply.FromString(reply)),
    ),
}
CONTEXTS = {"formats": ["formats.convert", "formats.validate"], "routing": ["routing.resolve"]}


def context_of(method: str) -> str:
    return method.split(".", 1)[0]
