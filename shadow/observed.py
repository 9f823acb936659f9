"""The shadow layer as a decorator of the formats port: each conversion the pipeline makes (the control) is
offered to the experiments, which run their candidate on the same input later, off the request path."""

from __future__ import annotations

import logging
import time

from pagero.documents import public as documents
from pagero.formats import public as formats

from .experiments import observe

log = logging.getLogger(__name__)


class ObservedFormats:
    def __init__(self, inner: documents.FormatsPort) -> None:
        self.inner = inner

    def validate(self, document: bytes, context: documents.CallContext) -> formats.ValidationReport:
        return self.inner.validate(document, context)

    def convert(self, document: bytes, target: str, context: documents.CallContext) -> documents.Converted:
        started = time.perf_counter()
        conversion = self.inner.convert(document, target, context)
        elapsed_ms = (time.perf_counter() - started) * 1000
        try:
            observe(
                "formats.convert",
                tenant_id=context.tenant_id,
                input_ref=context.input_ref,
                payload=document,
                params={"target": target},
                control_output=conversion.data,
                control_ms=elapsed_ms,
            )
        except Exception:  # the experiment is the engineers' concern: the customer's document goes on regardless
            log.exception("could not observe the conversion of %s", context.input_ref or "a document")
        return conversion
