"""REST API v1 for documents and the inbox. Views are thin: they call the pipeline and the queries."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pagero import edge
from pagero.api_errors import too_large_message
from pagero.formats import public as formats
from pagero.kernel.vocabulary import DOWNLOAD_FORMATS, ORIGINAL, DocumentType, EventKind
from pagero.partners import public as partners

from . import pipeline, queries, received
from .lifecycle import Status
from .models import Document
from .received import MAX_REASON_CHARS

ApiTokenAuthentication, HasWriteScope = partners.api_authentication()


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the organisation API tokens in the OpenAPI schema (a bearer token)."""

    target_class = f"{ApiTokenAuthentication.__module__}.{ApiTokenAuthentication.__qualname__}"
    name = "ApiToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer", "description": "an organisation API token: `Bearer pgr_...`"}


class DocumentTooLargeError(APIException):
    status_code = 413
    default_code = "document_too_large"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extra = {"limit": settings.MAX_DOCUMENT_BYTES}


class RawBodyParser(BaseParser):
    """Any non-multipart body is the document itself (XML, EDIFACT, ...)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        if stream is None:
            return b""
        # Never more than one byte over the limit in memory, whatever the Content-Length claimed.
        limit = settings.MAX_DOCUMENT_BYTES
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise DocumentTooLargeError(f"the request body is over the limit of {limit} bytes (MAX_DOCUMENT_BYTES)")
        return data


class ErrorSerializer(serializers.Serializer):
    """Every API error: a stable code and a message for people (some add fields, e.g. `limit`, `document_id`)."""

    error = serializers.CharField()
    message = serializers.CharField()


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses an operation may give, for the schema."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_MEANINGS[code]) for code in codes}


ERROR_MEANINGS = {
    400: "a parameter or the body is malformed",
    401: "no API token, or an unknown or revoked one",
    403: "the token's scope does not allow this (submitting needs a write token)",
    404: "no such document, or not one of the caller's",
    409: "conflict (see `error`)",
    413: "the document is over MAX_DOCUMENT_BYTES",
    415: "the body is not a supported document format (the document is kept as rejected)",
    422: "the document cannot be read or converted (see `message`)",
    429: "too many submissions: wait as long as `Retry-After` says",
}
# Every operation needs a token and names a resource of the caller's organisation.
COMMON_ERRORS = (401, 403)


class BoundedPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (up to MAX_PAGE_SIZE); the answer keeps `count` and `results` and adds `page`,
    `next` and `previous`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data) -> Response:
        return Response(self.get_paginated_data(data))

    def get_paginated_data(self, data) -> dict:
        return {
            "count": self.page.paginator.count,
            "page": self.page.number,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        }


PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="page number, from 1"),
    OpenApiParameter("page_size", int, description=f"items per page, 1 to {BoundedPagination.max_page_size}"),
]


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    status = serializers.CharField()
    at = serializers.DateTimeField()
    detail = serializers.JSONField()


class AmountField(serializers.DecimalField):
    """An amount as the document states it: at least two decimals, no trailing zeros of the storage scale."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_digits=30, decimal_places=6, read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value) -> str:
        whole, _, fraction = format(value, "f").partition(".")
        return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"


class DocumentSerializer(serializers.ModelSerializer):
    direction = serializers.SerializerMethodField()
    payable_amount = AmountField()
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "direction",
            "status",
            "status_reason",
            "document_type",
            "number",
            "issue_date",
            "currency",
            "payable_amount",
            "original_syntax",
            "customization",
            "target_format",
            "channel",
            "sha256",
            "size",
            "sender_id",
            "recipient_id",
            "created_at",
            "updated_at",
            "status_url",
            "due_date",
            "recipient_state",
            "recipient_state_reason",
            "duplicate_state",
            "duplicate_of",
        ]

    def get_direction(self, document: Document) -> str:
        return "sent" if document.sender_id == self.context["organisation_id"] else "received"

    def to_representation(self, document: Document) -> dict:
        body = super().to_representation(document)
        if body["direction"] == "sent" and document.status == Status.DELIVERY_FAILED:
            # The raw answer of the recipient's channel (its URL, its server's errors) is the recipient's.
            body["status_reason"] = RECIPIENT_CHANNEL_FAILED
        return body

    def get_status_url(self, document: Document) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/documents/{document.id}")


class DroppedTermSerializer(serializers.Serializer):
    """A part of the original the conversion to the recipient's format could not carry."""

    path = serializers.CharField()
    term = serializers.CharField(allow_null=True)
    message = serializers.CharField()


RECIPIENT_CHANNEL_FAILED = "the recipient's channel did not take the document; the details are the recipient's"
# Delivery events carry the recipient's channel: its address and its endpoint's answers (detail, reason).
CHANNEL_EVENTS = frozenset({EventKind.DELIVERED, EventKind.DELIVERY_ATTEMPT_FAILED, EventKind.DELIVERY_FAILED})
CHANNEL_DETAILS = frozenset({"detail", "reason", "reference"})


class DocumentDetailSerializer(DocumentSerializer):
    timeline = serializers.SerializerMethodField()
    validation_report = serializers.JSONField()
    dropped = DroppedTermSerializer(many=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "timeline", "validation_report", "dropped"]

    @extend_schema_field(EventSerializer(many=True))
    def get_timeline(self, document: Document) -> list[dict]:
        """Every event; the sender sees the delivery events without the recipient's channel details."""
        sender_view = document.sender_id == self.context["organisation_id"] != document.recipient_id
        events = []
        for event in document.events.all():
            detail = event.detail if isinstance(event.detail, dict) else {}
            if sender_view and event.kind in CHANNEL_EVENTS:
                detail = {key: value for key, value in detail.items() if key not in CHANNEL_DETAILS}
            events.append({"kind": event.kind, "status": event.status, "at": event.at, "detail": detail})
        return EventSerializer(events, many=True).data


class InboxItemSerializer(DocumentSerializer):
    """An inbox entry: the document and where to fetch it in the caller's receive format (schema only)."""

    content_url = serializers.URLField(read_only=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "content_url"]


def page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of one page of `item`s as BoundedPagination answers it."""
    fields = {
        "count": serializers.IntegerField(help_text="all matching items, on every page"),
        "page": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": item(many=True),
    }
    return type(name, (serializers.Serializer,), fields)


DocumentPageSerializer = page_of(DocumentSerializer, "DocumentPageSerializer")
InboxPageSerializer = page_of(InboxItemSerializer, "InboxPageSerializer")


def organisation_of(request: Request) -> int:
    return request.user.organisation_id


def error(status_code: int, code: str, message: str, **extra: object) -> Response:
    return Response({"error": code, "message": message, **extra}, status=status_code)


def rejection(document: Document, code: str, message: str) -> Response:
    """The answer to a document kept but rejected at once (it could not even be read)."""
    return error(
        415 if code == "unsupported_format" else 422,
        code,
        message,
        document_id=str(document.id),
        status=Status.REJECTED,
    )


def rejected_at_submission(document: Document) -> dict | None:
    """The error a document was rejected with when it was submitted, if it was (not later, by validation)."""
    if document.status != Status.REJECTED:
        return None
    event = document.events.filter(kind=EventKind.REJECTED).order_by("at").first()
    found = event.detail.get("error") if event is not None else None
    return found if isinstance(found, dict) and found.get("error") else None


class ApiView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasWriteScope]

    def get_document(self, request: Request, document_id) -> Document:
        try:
            return queries.visible_to(organisation_of(request)).get(pk=document_id)
        except (Document.DoesNotExist, ValueError, ValidationError):
            raise NotFound("no such document") from None

    def context(self, request: Request) -> dict:
        return {"request": request, "organisation_id": organisation_of(request)}


class DocumentsView(ApiView):
    parser_classes = [MultiPartParser, RawBodyParser]

    def get_throttles(self):
        return [edge.SubmissionThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        summary="Submit a document",
        request={
            "application/xml": OpenApiTypes.BINARY,
            "application/edifact": OpenApiTypes.BINARY,
            "multipart/form-data": OpenApiTypes.OBJECT,
        },
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={
            202: DocumentSerializer,
            200: DocumentSerializer,
            **errors(400, *COMMON_ERRORS, 409, 413, 415, 422, 429),
        },
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is not None and upload.size > settings.MAX_DOCUMENT_BYTES:
            return error(
                413, "document_too_large", too_large_message(upload.size, "the file"), limit=settings.MAX_DOCUMENT_BYTES
            )
        data = upload.read() if upload is not None else request.data
        if not data:
            data = b""  # DRF does not run parsers for an empty body
        if not isinstance(data, bytes):
            return error(400, "no_document", "send the document as the request body or as a multipart 'file'")
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (0 < len(key) <= 200):
            return error(400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 200 characters")
        try:
            submission = pipeline.submit(organisation_of(request), data, key)
        except formats.DocumentTooLarge as exc:
            return error(413, exc.code, exc.message)
        except formats.EmptyDocument as exc:
            return error(400, exc.code, exc.message)
        except pipeline.IdempotencyConflict as exc:
            return error(409, "idempotency_conflict", str(exc))
        if submission.error is not None:
            return rejection(submission.document, submission.error.code, submission.error.message)
        if not submission.created:
            # A replay answers what the first submission was answered, a rejection included.
            first = rejected_at_submission(submission.document)
            if first is not None:
                return rejection(submission.document, first["error"], first.get("message", ""))
        # On the embedded default the pipeline ran inline during submit: answer what the document is now, not the
        # snapshot taken when it was received.
        current = Document.objects.get(pk=submission.document.pk)
        body = DocumentSerializer(current, context=self.context(request)).data
        return Response(body, status=202 if submission.created else 200)

    @extend_schema(
        summary="List documents sent or received",
        operation_id="v1_documents_list",
        parameters=[
            OpenApiParameter("direction", str, enum=["sent", "received"]),
            OpenApiParameter("status", str, enum=[s.value for s in Status]),
            OpenApiParameter("since", OpenApiTypes.DATETIME),
            OpenApiParameter("type", str, enum=[t.value for t in DocumentType]),
            OpenApiParameter(
                "state",
                str,
                enum=list(queries.BUSINESS_STATES),
                description="the recipient's answer to a delivered document, or `held`: a possible duplicate",
            ),
            *PAGE_PARAMETERS,
        ],
        responses={200: DocumentPageSerializer, **errors(400, *COMMON_ERRORS, 404)},
    )
    def get(self, request: Request) -> Response:
        direction = request.query_params.get("direction")
        if direction not in {None, "sent", "received"}:
            return error(400, "invalid_parameter", "direction must be 'sent' or 'received'")
        state = request.query_params.get("status")
        if state is not None and state not in {s.value for s in Status}:
            return error(400, "invalid_parameter", f"unknown status {state!r}")
        since = request.query_params.get("since")
        try:
            since_dt = parse_datetime(since) if since else None
        except ValueError:  # well-formed but impossible, e.g. month 13
            since_dt = None
        if since and since_dt is None:
            return error(400, "invalid_parameter", "since must be an ISO 8601 date-time")
        kind = request.query_params.get("type")
        if kind is not None and kind not in {t.value for t in DocumentType}:
            return error(400, "invalid_parameter", f"unknown document type {kind!r}")
        answer = request.query_params.get("state")
        if answer is not None and answer not in queries.BUSINESS_STATES:
            return error(400, "invalid_parameter", f"state must be one of {', '.join(queries.BUSINESS_STATES)}")
        queryset = queries.list_documents(organisation_of(request), direction, state, since_dt, kind)
        if answer:
            queryset = queries.in_state(queryset, answer)
        paginator = BoundedPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(DocumentSerializer(page, many=True, context=self.context(request)).data)


class AnswerSerializer(serializers.Serializer):
    """The recipient's answer: a reason for a dispute (required), a comment for an approval (optional)."""

    reason = serializers.CharField(required=False, allow_blank=True, help_text=f"at most {MAX_REASON_CHARS} characters")


def _text_field(request: Request, name: str) -> str | None:
    """A text field of a JSON or form body; None when absent. A non-text value is refused by the caller's check."""
    data = request.data if isinstance(request.data, dict) else {}
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise ValidationError({name: "must be text"})
    return value


class RecipientActionView(ApiView):
    """read | approve | dispute by the recipient of a delivered document."""

    action = ""

    @extend_schema(
        request=AnswerSerializer,
        responses={200: DocumentSerializer, **errors(400, *COMMON_ERRORS, 404, 409)},
    )
    def post(self, request: Request, document_id) -> Response:
        organisation = organisation_of(request)
        document = self.get_document(request, document_id)  # 404 for other tenants
        if document.recipient_id != organisation:
            return error(403, "not_recipient", "only the recipient organisation can read, approve or dispute")
        try:
            reason = _text_field(request, "reason")
        except ValidationError:
            return error(400, "invalid_reason", "reason must be text")
        try:
            if self.action == "read":
                document = received.mark_read(document.id, organisation)
            elif self.action == "approve":
                document = received.approve(document.id, organisation, reason)
            else:
                document = received.dispute(document.id, organisation, reason)
        except received.BadReason as exc:
            return error(400, "invalid_reason", str(exc), limit=received.MAX_REASON_CHARS)
        except received.NotDelivered as exc:
            return error(409, "not_delivered", str(exc))
        except pipeline.NoSuchDocument:
            raise NotFound("no such document") from None
        return Response(DocumentSerializer(document, context=self.context(request)).data)


class ReadView(RecipientActionView):
    action = "read"


class ApproveView(RecipientActionView):
    action = "approve"


class DisputeView(RecipientActionView):
    action = "dispute"


class ConfirmResendView(ApiView):
    @extend_schema(
        summary="Confirm a document held as a possible duplicate as a deliberate resend (the sender)",
        request=None,
        responses={200: DocumentSerializer, **errors(*COMMON_ERRORS, 404, 409)},
    )
    def post(self, request: Request, document_id) -> Response:
        organisation = organisation_of(request)
        document = self.get_document(request, document_id)  # 404 for other tenants
        if document.sender_id != organisation:
            return error(403, "not_sender", "only the sender organisation can confirm a resend")
        try:
            pipeline.confirm_resend(document.id, organisation)
        except pipeline.NotHeld as exc:
            return error(409, "not_held", str(exc))
        except pipeline.NoSuchDocument:
            raise NotFound("no such document") from None
        current = Document.objects.get(pk=document.pk)  # the pipeline may have run inline (embedded default)
        return Response(DocumentSerializer(current, context=self.context(request)).data)


class DocumentDetailView(ApiView):
    @extend_schema(
        summary="A document with its timeline and validation report",
        responses={200: DocumentDetailSerializer, **errors(*COMMON_ERRORS, 404)},
    )
    def get(self, request: Request, document_id) -> Response:
        document = self.get_document(request, document_id)
        return Response(DocumentDetailSerializer(document, context=self.context(request)).data)


class DocumentContentView(ApiView):
    @extend_schema(
        summary="The document's content: the original, a rendition, or a PDF",
        parameters=[OpenApiParameter("format", str, enum=list(DOWNLOAD_FORMATS))],
        responses={(200, "*/*"): OpenApiTypes.BINARY, **errors(400, *COMMON_ERRORS, 404, 409, 422)},
    )
    def get(self, request: Request, document_id) -> HttpResponse | Response:
        wanted = request.query_params.get("format", ORIGINAL)
        if wanted not in DOWNLOAD_FORMATS:
            return error(400, "invalid_parameter", f"format must be one of {', '.join(DOWNLOAD_FORMATS)}")
        try:
            content = queries.document_content(organisation_of(request), document_id, wanted)
        except queries.NoRendition as exc:
            return error(409, "no_rendition", str(exc))
        except formats.FormatError as exc:
            return error(422, exc.code, exc.message)
        if content is None:
            raise NotFound("no such document")
        response = HttpResponse(content.data, content_type=content.content_type)
        response["Content-Disposition"] = edge.attachment_disposition(content.filename, wanted)
        return response


class InboxView(ApiView):
    @extend_schema(
        summary="Documents delivered to the caller's inbox and not yet acknowledged, oldest first",
        operation_id="v1_inbox_list",
        parameters=PAGE_PARAMETERS,
        responses={200: InboxPageSerializer, **errors(*COMMON_ERRORS, 404)},
    )
    def get(self, request: Request) -> Response:
        organisation = organisation_of(request)
        profile = partners.receive_profile(organisation)
        paginator = BoundedPagination()
        page = paginator.paginate_queryset(queries.inbox(organisation), request, view=self)
        items = []
        for document in page:
            body = DocumentSerializer(document, context=self.context(request)).data
            body["content_url"] = request.build_absolute_uri(
                f"/api/v1/documents/{document.id}/content?format="
                f"{document.target_format if profile.format != 'original' else 'original'}"
            )
            items.append(body)
        return paginator.get_paginated_response(items)


class InboxAckView(ApiView):
    @extend_schema(
        summary="Mark an inbox document as fetched",
        request=None,
        responses={200: DocumentSerializer, **errors(*COMMON_ERRORS, 404)},
    )
    def post(self, request: Request, document_id) -> Response:
        organisation = organisation_of(request)
        document = self.get_document(request, document_id)
        if document.recipient_id != organisation or document.status not in {Status.DELIVERED, Status.ACKNOWLEDGED}:
            raise NotFound("no such document in your inbox")
        document = pipeline.acknowledge(document.id, organisation)
        return Response(DocumentSerializer(document, context=self.context(request)).data)


class DirectoryView(ApiView):
    """Participant directory look-up: who receives on an identifier, and in what format."""

    @extend_schema(
        summary="Who receives on an identifier",
        parameters=[OpenApiParameter("scheme", str, required=True), OpenApiParameter("value", str, required=True)],
        responses={200: OpenApiTypes.OBJECT, **errors(400, *COMMON_ERRORS, 404)},
    )
    def get(self, request: Request) -> Response:
        scheme, value = request.query_params.get("scheme"), request.query_params.get("value")
        if not scheme or not value:
            return error(400, "invalid_parameter", "give both scheme and value, e.g. ?scheme=0192&value=987654325")
        found = partners.find_organisation_by_identifier(scheme, value)
        if found is None:
            return error(404, "not_found", f"no organisation receives on {scheme}:{value}")
        profile = partners.receive_profile(found.id)
        # The channel's address (webhook URL, e-mail) is the recipient's business: only the format is public.
        return Response(
            {
                "organisation": found.name,
                "identifier": {"scheme": scheme, "value": value},
                "receive_format": profile.format,
            }
        )
