"""Port results <-> protobuf messages, for the three remote methods (formats.convert, formats.validate,
routing.resolve). Both sides use these functions, so a remote answer is the same dataclass as a local one."""

from __future__ import annotations

from pagero.formats import public as formats
from pagero.routing import public as routing

from . import contexts_pb2 as pb
from .rpc import RemoteFault

INTERNAL = "internal"


def fault_of(exc: Exception) -> pb.Fault:
    """A verdict on the document (FormatError) travels with its code; anything else is the service's own failure."""
    if isinstance(exc, formats.FormatError):
        return pb.Fault(code=exc.code, message=exc.message, path=exc.path or "", term=exc.term or "")
    return pb.Fault(code=INTERNAL, message=f"{type(exc).__name__}: {exc}")


def _error_classes(base: type[formats.FormatError]) -> dict[str, type[formats.FormatError]]:
    found = {base.code: base}
    for sub in base.__subclasses__():
        for code, cls in _error_classes(sub).items():
            found.setdefault(code, cls)
    return found


def raise_fault(fault: pb.Fault) -> None:
    """Raise what the remote side raised: the same FormatError subclass with its code, message, path and term, or
    RemoteFault for an internal failure there."""
    if not fault.code:
        return
    if fault.code == INTERNAL:
        raise RemoteFault(fault.message)
    cls = _error_classes(formats.FormatError).get(fault.code)
    if cls is None or cls.__init__ is not formats.FormatError.__init__:
        error = formats.FormatError(fault.message, path=fault.path or None, term=fault.term or None)
        error.code = fault.code  # a code this side does not know (a newer service): kept as it came
    else:
        error = cls(fault.message, path=fault.path or None, term=fault.term or None)
    raise error


def conversion_to_proto(conversion: formats.Conversion) -> pb.ConvertReply:
    return pb.ConvertReply(
        data=conversion.data,
        source_syntax=conversion.source.syntax,
        source_document_type=conversion.source.document_type,
        source_customization=conversion.source.customization or "",
        source_version=conversion.source.version or "",
        warnings=[
            pb.ConversionWarning(
                path=w.path, message=w.message, term=w.term or "", note=isinstance(w, formats.ConversionNote)
            )
            for w in conversion.warnings
        ],
    )


def conversion_from_proto(reply: pb.ConvertReply, target: str) -> formats.Conversion:
    raise_fault(reply.fault)
    source = formats.Detected(
        reply.source_syntax,
        reply.source_document_type,
        reply.source_customization or None,
        reply.source_version or None,
    )
    warnings = [
        (formats.ConversionNote if w.note else formats.ConversionWarning)(w.path, w.message, w.term or None)
        for w in reply.warnings
    ]
    return formats.Conversion(source, target, reply.data, warnings)


def report_to_proto(report: formats.ValidationReport) -> pb.ValidateReply:
    return pb.ValidateReply(
        syntax=report.syntax,
        document_type=report.document_type,
        customization=report.customization or "",
        rule_sets=report.rule_sets,
        notes=report.notes,
        findings=[
            pb.Finding(
                rule_id=f.rule_id,
                severity=f.severity,
                message=f.message,
                location=f.location or "",
                term=f.term or "",
                rule_set=f.rule_set,
            )
            for f in report.findings
        ],
        omitted_fatal=report.omitted_fatal,
        omitted_warnings=report.omitted_warnings,
    )


def report_from_proto(reply: pb.ValidateReply) -> formats.ValidationReport:
    raise_fault(reply.fault)
    return formats.ValidationReport(
        reply.syntax,
        reply.document_type,
        reply.customization or None,
        list(reply.rule_sets),
        [
            formats.Finding(f.rule_id, f.severity, f.message, f.location or None, f.term or None, f.rule_set)
            for f in reply.findings
        ],
        list(reply.notes),
        omitted_fatal=reply.omitted_fatal,
        omitted_warnings=reply.omitted_warnings,
    )


def decision_to_proto(decision: routing.RoutingDecision) -> pb.RouteReply:
    return pb.RouteReply(
        found=decision.found,
        organisation_id=decision.organisation_id or 0,
        organisation_name=decision.organisation_name or "",
        matched=decision.matched or "",
        tried=decision.tried,
    )


def decision_from_proto(reply: pb.RouteReply) -> routing.RoutingDecision:
    raise_fault(reply.fault)
    if not reply.found:
        return routing.RoutingDecision(None, None, None, list(reply.tried))
    return routing.RoutingDecision(reply.organisation_id, reply.organisation_name, reply.matched, list(reply.tried))
