from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Envelope(_message.Message):
    __slots__ = ("method", "body")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    method: str
    body: bytes
    def __init__(self, method: _Optional[str] = ..., body: _Optional[bytes] = ...) -> None: ...

class Fault(_message.Message):
    __slots__ = ("code", "message", "path", "term")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    path: str
    term: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., path: _Optional[str] = ..., term: _Optional[str] = ...) -> None: ...

class ConvertRequest(_message.Message):
    __slots__ = ("document", "target")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    document: bytes
    target: str
    def __init__(self, document: _Optional[bytes] = ..., target: _Optional[str] = ...) -> None: ...

class ConversionWarning(_message.Message):
    __slots__ = ("path", "message", "term", "note")
    PATH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    path: str
    message: str
    term: str
    note: bool
    def __init__(self, path: _Optional[str] = ..., message: _Optional[str] = ..., term: _Optional[str] = ..., note: _Optional[bool] = ...) -> None: ...

class ConvertReply(_message.Message):
    __slots__ = ("data", "warnings", "source_syntax", "source_document_type", "source_customization", "fault", "source_version")
    DATA_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYNTAX_FIELD_NUMBER: _ClassVar[int]
    SOURCE_DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CUSTOMIZATION_FIELD_NUMBER: _ClassVar[int]
    FAULT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    warnings: _containers.RepeatedCompositeFieldContainer[ConversionWarning]
    source_syntax: str
    source_document_type: str
    source_customization: str
    fault: Fault
    source_version: str
    def __init__(self, data: _Optional[bytes] = ..., warnings: _Optional[_Iterable[_Union[ConversionWarning, _Mapping]]] = ..., source_syntax: _Optional[str] = ..., source_document_type: _Optional[str] = ..., source_customization: _Optional[str] = ..., fault: _Optional[_Union[Fault, _Mapping]] = ..., source_version: _Optional[str] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("rule_id", "severity", "message", "location", "term", "rule_set")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    severity: str
    message: str
    location: str
    term: str
    rule_set: str
    def __init__(self, rule_id: _Optional[str] = ..., severity: _Optional[str] = ..., message: _Optional[str] = ..., location: _Optional[str] = ..., term: _Optional[str] = ..., rule_set: _Optional[str] = ...) -> None: ...

class ValidateRequest(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: bytes
    def __init__(self, document: _Optional[bytes] = ...) -> None: ...

class ValidateReply(_message.Message):
    __slots__ = ("syntax", "document_type", "customization", "rule_sets", "findings", "notes", "fault", "omitted_fatal", "omitted_warnings")
    SYNTAX_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMIZATION_FIELD_NUMBER: _ClassVar[int]
    RULE_SETS_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    FAULT_FIELD_NUMBER: _ClassVar[int]
    OMITTED_FATAL_FIELD_NUMBER: _ClassVar[int]
    OMITTED_WARNINGS_FIELD_NUMBER: _ClassVar[int]
    syntax: str
    document_type: str
    customization: str
    rule_sets: _containers.RepeatedScalarFieldContainer[str]
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    notes: _containers.RepeatedScalarFieldContainer[str]
    fault: Fault
    omitted_fatal: int
    omitted_warnings: int
    def __init__(self, syntax: _Optional[str] = ..., document_type: _Optional[str] = ..., customization: _Optional[str] = ..., rule_sets: _Optional[_Iterable[str]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., notes: _Optional[_Iterable[str]] = ..., fault: _Optional[_Union[Fault, _Mapping]] = ..., omitted_fatal: _Optional[int] = ..., omitted_warnings: _Optional[int] = ...) -> None: ...

class RouteRequest(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: bytes
    def __init__(self, document: _Optional[bytes] = ...) -> None: ...

class RouteReply(_message.Message):
    __slots__ = ("found", "organisation_id", "organisation_name", "matched", "tried", "fault")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_NAME_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    TRIED_FIELD_NUMBER: _ClassVar[int]
    FAULT_FIELD_NUMBER: _ClassVar[int]
    found: bool
    organisation_id: int
    organisation_name: str
    matched: str
    tried: _containers.RepeatedScalarFieldContainer[str]
    fault: Fault
    def __init__(self, found: _Optional[bool] = ..., organisation_id: _Optional[int] = ..., organisation_name: _Optional[str] = ..., matched: _Optional[str] = ..., tried: _Optional[_Iterable[str]] = ..., fault: _Optional[_Union[Fault, _Mapping]] = ...) -> None: ...
