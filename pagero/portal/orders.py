"""The portal's order pages: an order's (or a response's) lines, the documents linked to it, and the supplier's
answer (accepted, rejected, or accepted with changes per line)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pagero.documents import public as documents
from pagero.formats import public as formats
from pagero.kernel.vocabulary import ORIGINAL, DocumentType, Status
from pagero.partners import public as partners

ANSWERABLE = {Status.DELIVERED, Status.ACKNOWLEDGED}
RESPONSE_CODE_NAMES = {"AP": "accepted", "RE": "rejected", "CA": "accepted with changes", "AB": "acknowledged"}
LINE_STATUS_NAMES = {"5": "accepted", "7": "rejected", "3": "changed"}
MAX_ANSWERED_LINES = 10_000


def order_context(organisation_id: int, summary: documents.DocumentSummary) -> dict[str, object]:
    """What the document page shows of an order or order response (empty for anything else)."""
    if summary.document_type not in {DocumentType.ORDER, DocumentType.ORDER_RESPONSE}:
        return {}
    order = None
    content = documents.document_content(organisation_id, summary.id, ORIGINAL)
    if content is not None and summary.status != Status.REJECTED:
        try:
            order = formats.parse_order(content.data).order
        except formats.FormatError:
            order = None
    linked = documents.related_documents(organisation_id, summary.id)
    names = partners.organisation_names({d.partner_id for d in linked if d.partner_id})
    overdue, due_at = documents.awaiting_response(organisation_id, summary.id)
    return {
        "order": order,
        "response_name": RESPONSE_CODE_NAMES.get(order.response_code or "", "") if order else "",
        "line_status_names": LINE_STATUS_NAMES,
        "linked": [(d, names.get(d.partner_id, "—") if d.partner_id else "—") for d in linked],
        "response_overdue": overdue,
        "response_due_at": due_at,
        "can_answer": summary.direction == "received"
        and summary.document_type == DocumentType.ORDER
        and summary.status in ANSWERABLE,
    }


def line_answers(post: dict[str, str], line_ids: list[str]) -> dict[str, formats.LineAnswer]:
    """The per-line answers a form sent: line-<id>-status, line-<id>-quantity, line-<id>-note."""
    answers = {}
    for line_id in line_ids[:MAX_ANSWERED_LINES]:
        status = post.get(f"line-{line_id}-status", "")
        quantity = post.get(f"line-{line_id}-quantity", "").strip()[:40]
        note = post.get(f"line-{line_id}-note", "").strip()[:500]
        if status or quantity or note:
            answers[line_id] = formats.LineAnswer(status=status, quantity=quantity, note=note)
    return answers


@require_POST
def respond(request: HttpRequest, document_id) -> HttpResponse:
    """The supplier's answer to an order it received, composed and sent as an order response."""
    from .views import member_view  # the one login-and-organisation check of the portal

    return member_view(_respond)(request, document_id)


def _respond(request: HttpRequest, document_id) -> HttpResponse:
    organisation_id = request.organisation.id  # type: ignore[attr-defined]
    answer = request.POST.get("answer", "")
    line_ids = [key[5:-7] for key in request.POST if key.startswith("line-") and key.endswith("-status")]
    lines = line_answers(request.POST.dict(), line_ids) if answer == "accepted_with_changes" else {}
    try:
        submission = documents.respond_to_order(
            organisation_id, document_id, answer, lines, request.POST.get("note", "").strip()[:500]
        )
    except documents.NotAnswerable as exc:
        messages.error(request, str(exc))
        return redirect("portal:document", document_id=document_id)
    except (formats.ResponseRefused, formats.FormatError) as exc:
        messages.error(request, _("The answer was not sent: %(reason)s") % {"reason": exc})
        return redirect("portal:document", document_id=document_id)
    messages.success(request, _("Your answer was sent to the buyer."))
    return redirect("portal:document", document_id=submission.document.id)
