"""The strangler's adapters of the documents context's ports: each call goes where the context's mode says
(local, shadow — answered locally —, canary for a share of tenants, or remote with a local fallback)."""

from __future__ import annotations

import typing

from pagero.documents import public as documents
from pagero.formats import public as formats
from pagero.routing import public as routing

from .router import call


# Orders are answered locally: the extracted services serve the EN 16931 documents (registry.py).
class RoutedFormats:
    def validate(self, document: bytes, context: documents.CallContext) -> formats.ValidationReport:
        if context.is_order:
            return documents.LOCAL_FORMATS.validate(document, context)
        routed = call("formats.validate", document, tenant_id=context.tenant_id)
        return typing.cast(formats.ValidationReport, routed.result)

    def convert(self, document: bytes, target: str, context: documents.CallContext) -> documents.Converted:
        if context.is_order:
            return documents.LOCAL_FORMATS.convert(document, target, context)
        routed = call("formats.convert", document, target, tenant_id=context.tenant_id)
        return typing.cast(formats.Conversion, routed.result)


class RoutedRouting:
    def resolve(self, document: bytes, context: documents.CallContext) -> routing.RoutingDecision:
        if context.is_order:
            return documents.LOCAL_ROUTING.resolve(document, context)
        routed = call("routing.resolve", document, tenant_id=context.tenant_id)
        return typing.cast(routing.RoutingDecision, routed.result)
