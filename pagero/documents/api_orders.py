"""REST API for order responses: the supplier answers an order it received (views are thin: the pipeline writes)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pagero.formats import public as formats

from . import pipeline
from .api import COMMON_ERRORS, ApiView, DocumentSerializer, error, errors, organisation_of
from .models import Document

MAX_LINE_ANSWERS = 10_000


class LineAnswerSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["accepted", "rejected", "changed"], required=False, default="")
    quantity = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class OrderAnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(["accepted", "rejected", "accepted_with_changes"])
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    lines = serializers.DictField(
        child=LineAnswerSerializer(), required=False, default=dict, help_text="order line id -> its answer"
    )

    def validate_lines(self, lines: dict) -> dict:
        if len(lines) > MAX_LINE_ANSWERS:
            raise serializers.ValidationError(f"at most {MAX_LINE_ANSWERS} line answers")
        return lines


class OrderResponseView(ApiView):
    @extend_schema(
        summary="Answer an order received: accepted, rejected, or accepted with changes per line",
        description="The order response is composed (Peppol BIS Ordering 3), submitted as your document and delivered "
        "to the buyer in its order format; the order's timeline shows it.",
        request=OrderAnswerSerializer,
        responses={202: DocumentSerializer, **errors(400, *COMMON_ERRORS, 404, 409, 422)},
    )
    def post(self, request: Request, document_id) -> Response:
        body = OrderAnswerSerializer(data=request.data)
        if not body.is_valid():
            return error(400, "invalid_answer", "; ".join(f"{k}: {v}" for k, v in body.errors.items()))
        answer = body.validated_data
        lines = {line_id: formats.LineAnswer(**value) for line_id, value in answer["lines"].items()}
        try:
            submission = pipeline.respond_to_order(
                organisation_of(request), document_id, answer["answer"], lines, answer["note"]
            )
        except pipeline.OrderNotDelivered as exc:
            return error(409, "order_not_delivered", str(exc))
        except pipeline.NoSuchOrder as exc:
            return error(404, "no_such_order", str(exc))
        except formats.ResponseRefused as exc:
            return error(422, "invalid_answer", str(exc))
        except formats.FormatError as exc:  # the order itself cannot be answered (e.g. it no longer reads)
            return error(422, exc.code, exc.message)
        current = Document.objects.get(pk=submission.document.pk)
        return Response(DocumentSerializer(current, context=self.context(request)).data, status=202)
