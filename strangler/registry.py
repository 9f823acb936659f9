"""The extractable contexts: for each, its methods with a local implementation and a remote codec."""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass

from pagero.documents import public as documents
from pagero.formats import public as formats

from . import codec
from . import contexts_pb2 as pb

# Each side answers with the documents context's local adapters: the remote service computes exactly what the
# local fallback would.
LOCAL_CALL = documents.CallContext()


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
        # The extracted service converts invoices: the local port answers them with a formats.Conversion.
        conversion = documents.LOCAL_FORMATS.convert(request.document, request.target, LOCAL_CALL)
        return codec.conversion_to_proto(typing.cast(formats.Conversion, conversion)).SerializeToString()
    except Exception as exc:
        return pb.ConvertReply(fault=codec.fault_of(exc)).SerializeToString()


def _serve_validate(body: bytes) -> bytes:
    request = pb.ValidateRequest.FromString(body)
    try:
        return codec.report_to_proto(documents.LOCAL_FORMATS.validate(request.document, LOCAL_CALL)).SerializeToString()
    except Exception as exc:
        return pb.ValidateReply(fault=codec.fault_of(exc)).SerializeToString()


def _serve_route(body: bytes) -> bytes:
    request = pb.RouteRequest.FromString(body)
    try:
        decision = documents.LOCAL_ROUTING.resolve(request.document, LOCAL_CALL)
        return codec.decision_to_proto(decision).SerializeToString()
    except Exception as exc:
        return pb.RouteReply(fault=codec.fault_of(exc)).SerializeToString()


METHODS: dict[str, Method] = {
    "formats.convert": Method(
        "formats.convert",
        lambda document, target: documents.LOCAL_FORMATS.convert(document, target, LOCAL_CALL),
        lambda document, target: pb.ConvertRequest(document=document, target=target).SerializeToString(),
        _serve_convert,
        lambda reply, document, target: codec.conversion_from_proto(pb.ConvertReply.FromString(reply), target),
    ),
    "formats.validate": Method(
        "formats.validate",
        lambda document: documents.LOCAL_FORMATS.validate(document, LOCAL_CALL),
        lambda document: pb.ValidateRequest(document=document).SerializeToString(),
        _serve_validate,
        lambda reply, document: codec.report_from_proto(pb.ValidateReply.FromString(reply)),
    ),
    "routing.resolve": Method(
        "routing.resolve",
        lambda document: documents.LOCAL_ROUTING.resolve(document, LOCAL_CALL),
        lambda document: pb.RouteRequest(document=document).SerializeToString(),
        _serve_route,
        lambda reply, document: codec.decision_from_proto(pb.RouteReply.FromString(reply)),
    ),
}
CONTEXTS = {"formats": ["formats.convert", "formats.validate"], "routing": ["routing.resolve"]}


def context_of(method: str) -> str:
    return method.split(".", 1)[0]
