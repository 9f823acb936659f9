"""The strangler's adapters of the documents context's ports: each call goes where the context's mode says
(local, shadow — answered locally —, canary for a share of tenants, or remote with a local fallback)."""

from __future__ import annotations

from pagero.documents import public as documents
from pagero.formats import public as formats
from pagero.routing import public as routing

from .router import call


class RoutedFormats:
    def validate(self, document: bytes, context: documents.CallContext) -> formats.ValidationReport:
        report: formats.ValidationReport = call("formats.validate", document, tenant_id=context.tenant_id).result
        return report

    def convert(self, document: bytes, target: str, context: documents.CallContext) -> formats.Conversion:
        conversion: formats.Conversion = call("formats.convert", document, target, tenant_id=context.tenant_id).result
        return conversion


class RoutedRouting:
    def resolve(self, document: bytes, context: documents.CallContext) -> routing.RoutingDecision:
        decision: routing.RoutingDecision = call("routing.resolve", document, tenant_id=context.tenant_id).result
        return decision
