"""Portal pages. Views are thin: they ask the contexts' public modules and render.

Every page is scoped to the signed-in user's organisation; a document of another organisation is 404.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pagero import edge
from pagero.delivery import public as delivery
from pagero.documents import public as documents
from pagero.formats import public as formats
from pagero.kernel.vocabulary import (
    BILLING_TYPES,
    CHANNEL_LABELS,
    DOWNLOAD_FORMATS,
    ORIGINAL,
    RECEIVE_FORMAT_LABELS,
    SYNTAX_LABELS,
    Channel,
    Status,
    Syntax,
)
from pagero.partners import public as partners

from . import checking, labels, orders, recipients, timeline

log = logging.getLogger(__name__)
STATUSES = list(Status)
IN_FLIGHT = {Status.RECEIVED, Status.VALIDATED, Status.ROUTED, Status.CONVERTED}
ANSWERABLE = {Status.DELIVERED, Status.ACKNOWLEDGED}


def member_view(view):
    """Login required, and the user must belong to an organisation (request.organisation)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        organisation = partners.organisation_for_user(request.user)
        if organisation is None:
            return render(request, "portal/no_organisation.html", status=403)
        request.organisation = organisation
        return view(request, *args, **kwargs)

    return wrapper


def with_names(items: list[documents.DocumentSummary]) -> list[tuple[documents.DocumentSummary, str]]:
    names = partners.organisation_names({i.partner_id for i in items if i.partner_id})
    return [(item, names.get(item.partner_id, "—")) for item in items]


@member_view
def home(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    counts = documents.status_counts(org.id)
    largest = max([1, *counts["sent"].values(), *counts["received"].values()])
    chart = {
        direction: [
            (status, counts[direction].get(status, 0), 100 * counts[direction].get(status, 0) // largest)
            for status in STATUSES
            if counts[direction].get(status)
        ]
        for direction in ("sent", "received")
    }
    return render(
        request,
        "portal/dashboard.html",
        {
            "organisation": org,
            "chart": chart,
            "totals": {d: sum(counts[d].values()) for d in counts},
            "attention": with_names(documents.needing_attention(org.id)),
            "business": documents.business_counts(org.id),
            "identifiers": partners.list_identifiers(org.id),
        },
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _list_filters(q) -> documents.DocumentFilters:
    """The list's filters from the query string; unknown values are ignored (the list shows everything)."""
    partner = q.get("partner")
    state = q.get("state")
    return documents.DocumentFilters(
        status=q.get("status") if q.get("status") in {s.value for s in Status} else None,
        partner_id=int(partner) if partner and partner.isdigit() else None,
        document_type=q.get("type") or None,
        date_from=_date(q.get("from")),
        date_to=_date(q.get("to")),
        search=(q.get("q") or "").strip() or None,
        state=state if state in documents.BUSINESS_STATES else None,
        sort=q.get("sort", "-created"),
    )


@member_view
def document_list(request: HttpRequest, direction: str) -> HttpResponse:
    org, q = request.organisation, request.GET
    filters = _list_filters(q)
    sort = filters.sort
    page = documents.document_page(
        org.id,
        direction,
        filters,
        page=int(q.get("page", "1")) if q.get("page", "1").isdigit() else 1,
    )
    query = q.copy()
    query.pop("page", None)
    query.pop("sort", None)
    return render(
        request,
        "portal/documents.html",
        {
            "direction": direction,
            "title": _("Sent") if direction == "sent" else _("Received"),
            "page": page,
            "rows": with_names(page.items),
            "statuses": STATUSES,
            "filters": q,
            "sort": sort,
            "query": query.urlencode(),
            "export_query": q.urlencode(),
            "partners": partners.organisation_names({i.partner_id for i in page.items if i.partner_id}),
            "states": _state_choices(direction),
            "max_bulk": documents.MAX_BULK_DOCUMENTS,
        },
    )


def _state_choices(direction: str) -> list[tuple[str, str]]:
    """The business states a list filters on: the recipient's answer, and for the sender a held duplicate."""
    choices = [(state, labels.recipient_state_label(state)) for state in documents.RECIPIENT_STATES]
    if direction == "sent":
        choices.append(("held", labels.duplicate_label("held")))
    return choices


@member_view
def export_list(request: HttpRequest, direction: str) -> HttpResponse:
    """The list as filtered, as CSV (at most MAX_EXPORT_ROWS rows; a header says when there were more)."""
    filters = _list_filters(request.GET)
    export = documents.export_csv(request.organisation.id, direction, filters)
    response = HttpResponse(export.data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = edge.attachment_disposition(f"{direction}.csv", "csv")
    response["X-Export-Rows"] = str(export.rows)
    if export.truncated:
        response["X-Export-Truncated"] = f"only the first {documents.MAX_EXPORT_ROWS} rows"
    return response


@require_POST
@member_view
def bulk_download(request: HttpRequest, direction: str) -> HttpResponse:
    """The documents ticked in the list, as one zip; a refusal goes back to the list with the reason."""
    try:
        data = documents.bulk_zip(
            request.organisation.id, request.POST.getlist("ids")[: documents.MAX_BULK_DOCUMENTS + 1]
        )
    except documents.BulkRefused as exc:
        messages.error(request, _("Nothing downloaded: %(reason)s.") % {"reason": exc})
        return redirect("portal:sent" if direction == "sent" else "portal:received")
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = edge.attachment_disposition(f"{direction}-documents.zip", "zip")
    return response


@require_POST
@member_view
def answer(request: HttpRequest, document_id, action: str) -> HttpResponse:
    """The recipient reads, approves or disputes a delivered document (documents.received)."""
    org = request.organisation
    try:
        if action == "approve":
            documents.approve(document_id, org.id, request.POST.get("reason"))
            messages.success(request, _("Approved. The sender sees it on its timeline."))
        elif action == "dispute":
            documents.dispute(document_id, org.id, request.POST.get("reason"))
            messages.success(request, _("Disputed. The sender sees your reason on its timeline."))
        elif action == "read":
            documents.mark_read(document_id, org.id)
        else:
            raise Http404("unknown action")
    except documents.NoSuchDocument:
        raise Http404("no such document") from None
    except documents.BadReason as exc:
        messages.error(request, _("Not saved: %(problem)s.") % {"problem": exc})
        return redirect("portal:document", document_id=document_id)
    except documents.NotDelivered as exc:
        messages.error(request, str(exc))
    return redirect("portal:document", document_id=document_id)


@require_POST
@member_view
def confirm_resend(request: HttpRequest, document_id) -> HttpResponse:
    """The sender confirms a held duplicate as a deliberate resend; it goes on through the pipeline."""
    try:
        documents.confirm_resend(document_id, request.organisation.id)
    except documents.NoSuchDocument:
        raise Http404("no such document") from None
    except documents.NotHeld as exc:
        messages.error(request, str(exc))
        return redirect("portal:document", document_id=document_id)
    messages.success(request, _("Confirmed as a deliberate resend: it is delivered now."))
    return redirect("portal:document", document_id=document_id)


def _downloads(summary: documents.DocumentSummary, renditions: list[str]) -> list[str]:
    """The syntaxes offered for download besides the original: the stored renditions, and for an invoice or credit
    note every other syntax (converted when asked for)."""
    if summary.document_type not in BILLING_TYPES or summary.status == Status.REJECTED:
        return list(renditions)
    return [fmt for fmt in Syntax if fmt in renditions or fmt != summary.original_syntax]


@member_view
def document_detail(request: HttpRequest, document_id) -> HttpResponse:
    detail = documents.document_detail(request.organisation.id, document_id)
    if detail is None:
        raise Http404("no such document")
    invoice = None
    if detail.summary.document_type in BILLING_TYPES and detail.summary.status != Status.REJECTED:
        try:
            original = documents.document_content(request.organisation.id, document_id, ORIGINAL)
            invoice = formats.parse(original.data).invoice if original is not None else None
        except (formats.FormatError, documents.PayloadError):
            invoice = None  # the page still shows the status and timeline; the download says what is missing
    partner = partners.organisation_names({detail.summary.partner_id} - {None}).get(detail.summary.partner_id)
    summary = detail.summary
    answerable = summary.direction == "received" and summary.status in ANSWERABLE
    if answerable and summary.recipient_state == "new":
        # Opening a delivered document reads it; the sender sees "Read by ..." on its timeline.
        documents.mark_read(summary.id, request.organisation.id)
        detail = documents.document_detail(request.organisation.id, document_id) or detail
        summary = detail.summary
    return render(
        request,
        "portal/document.html",
        {
            "doc": detail.summary,
            "reason": timeline.visible_reason(
                detail.summary.status, detail.summary.status_reason, detail.summary.direction
            ),
            "events": timeline.entries(detail.events, detail.summary.direction, partner, detail.summary.document_type),
            "answerable": answerable,
            "answered_statuses": ANSWERABLE,
            "copies": with_names(detail.copies),
            "max_reason": documents.MAX_REASON_CHARS,
            "hold_days": documents.duplicate_hold_days(),
            "report": detail.validation_report,
            "renditions": _downloads(detail.summary, detail.renditions),
            "dropped": detail.dropped,
            "invoice": invoice,
            "partner": partner,
            # A held duplicate waits for its sender: no point following its status.
            "in_flight": detail.summary.status in IN_FLIGHT and detail.summary.duplicate != "held",
            **orders.order_context(request.organisation.id, detail.summary),
        },
    )


@member_view
def document_status(request: HttpRequest, document_id) -> JsonResponse:
    detail = documents.document_detail(request.organisation.id, document_id)
    if detail is None:
        raise Http404("no such document")
    return JsonResponse(
        {
            "id": detail.summary.id,
            "status": detail.summary.status,
            "label": labels.status_label(detail.summary.status),
            "reason": timeline.visible_reason(
                detail.summary.status, detail.summary.status_reason, detail.summary.direction
            ),
            "timeline": [{"kind": e.kind, "at": e.at.isoformat()} for e in detail.events],
        }
    )


@member_view
def download(request: HttpRequest, document_id, fmt: str) -> HttpResponse:
    if fmt not in DOWNLOAD_FORMATS:
        raise Http404("unknown format")
    try:
        content = documents.document_content(request.organisation.id, document_id, fmt, readable=True)
    except documents.NoRendition as exc:
        messages.error(request, str(exc))
        return redirect("portal:document", document_id=document_id)
    except formats.FormatError as exc:
        messages.error(request, _("This document cannot be given as %(fmt)s: %(reason)s") % {"fmt": fmt, "reason": exc})
        return redirect("portal:document", document_id=document_id)
    except documents.PayloadError:
        messages.error(request, _("The content of this document is not available right now. Try again later."))
        return redirect("portal:document", document_id=document_id)
    if content is None:
        raise Http404("no such document")
    response = HttpResponse(content.data, content_type=content.content_type)
    response["Content-Disposition"] = edge.attachment_disposition(content.filename, fmt)
    return response


@member_view
def send(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/send.html", {})


def _busy() -> str:
    return _("The network is busy checking other files. Try this one again in a minute.")


class UploadRefused(Exception):
    def __init__(self, response: JsonResponse) -> None:
        self.response = response


def _upload(request: HttpRequest) -> bytes:
    """The uploaded file, after the organisation's submission budget and the size limit allowed it."""
    wait = edge.submission_wait(request.organisation.id)
    if wait is not None:
        response = JsonResponse(
            {"ok": False, "error": _("Too many documents at once. Try again in %(s)d seconds.") % {"s": wait}},
            status=429,
        )
        response["Retry-After"] = str(int(wait))
        raise UploadRefused(response)
    upload = request.FILES.get("file")
    if upload is None:
        raise UploadRefused(JsonResponse({"ok": False, "error": _("No file was uploaded.")}, status=400))
    if upload.size > settings.MAX_DOCUMENT_BYTES:
        message = _("The file is %(size)d bytes; the limit is %(limit)d bytes.") % {
            "size": upload.size,
            "limit": settings.MAX_DOCUMENT_BYTES,
        }
        raise UploadRefused(JsonResponse({"ok": False, "error": message, "code": "document_too_large"}, status=413))
    return upload.read()


@require_POST
@member_view
def send_check(request: HttpRequest) -> JsonResponse:
    """Detect and validate one file at once, before the user confirms it."""
    try:
        data = _upload(request)
    except UploadRefused as refused:
        return refused.response
    try:
        report = checking.run(lambda: formats.validate(data))
    except formats.FormatError as exc:
        return JsonResponse({"ok": False, "error": exc.message, "findings": []})
    except checking.Busy:
        return JsonResponse({"ok": False, "error": _busy(), "findings": []}, status=503)
    return JsonResponse(
        {
            "ok": report.valid,
            **report.as_dict(),
            "summary": _("valid") if report.valid else _("%(n)d problem(s)") % {"n": report.fatal_count},
        }
    )


@require_POST
@member_view
def send_recipient(request: HttpRequest) -> JsonResponse:
    """Who will receive one file and how, before it is sent; nothing is stored."""
    try:
        data = _upload(request)
    except UploadRefused as refused:
        return refused.response
    try:
        found = recipients.preview(request.organisation.id, data)
    except formats.FormatError as exc:
        return JsonResponse({"found": False, "text": "", "warning": "", "error": exc.message})
    return JsonResponse(found.as_dict())


@require_POST
@member_view
def send_submit(request: HttpRequest) -> JsonResponse:
    try:
        data = _upload(request)
    except UploadRefused as refused:
        return refused.response
    try:
        document_id, status, reason = documents.submit_document(request.organisation.id, data)
    except formats.FormatError as exc:
        return JsonResponse({"ok": False, "error": exc.message}, status=400)
    return JsonResponse(
        {
            "ok": True,
            "id": document_id,
            "status": status,
            "reason": reason,
            "url": f"/documents/{document_id}/",
            "status_url": f"/documents/{document_id}/status.json",
        }
    )


@member_view
def settings_page(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    new_token = request.session.pop("new_token", None)
    new_secret = request.session.pop("new_secret", None)
    return render(
        request,
        "portal/settings.html",
        {
            "profile": partners.receive_profile(org.id),
            "tokens": partners.list_api_tokens(org.id),
            "identifiers": partners.list_identifiers(org.id),
            "new_token": new_token,
            "new_secret": new_secret,
            "formats": [(fmt, _(label)) for fmt, label in RECEIVE_FORMAT_LABELS.items()],
            "channels": [(channel, _(label)) for channel, label in CHANNEL_LABELS.items()],
            "policies": _policy_rows(partners.receive_profile(org.id)),
            "policy_choices": [
                (
                    partners.POLICY_DELIVER_WITH_ORIGINAL,
                    _("deliver it, list what is not carried, attach the original where the format allows"),
                ),
                (partners.POLICY_STRICT, _("refuse it: the document fails and the sender is told what is not carried")),
            ],
        },
    )


FORMAT_LABELS = SYNTAX_LABELS


def _policy_rows(profile: partners.ReceiveProfile) -> list[tuple[str, str, str]]:
    """(format, label, chosen policy) for every format a conversion produces."""
    return [(fmt, FORMAT_LABELS[fmt], profile.conversion_policy(fmt)) for fmt in partners.CONVERTED_FORMATS]


def _posted_policies(post) -> dict[str, str]:
    """The policies the form sent (policy_ubl, ...); values are checked by set_receive_preferences."""
    return {fmt: post[f"policy_{fmt}"] for fmt in partners.CONVERTED_FORMATS if f"policy_{fmt}" in post}


def _posted_national_rules(post) -> bool | None:
    value = post.get("national_rules")
    if value is None:
        return None
    if value not in {"strict", "lenient"}:
        raise ValueError(_("National rules must be strict or lenient, not %(value)r.") % {"value": value[:40]})
    return value == "lenient"


def _test_event(request: HttpRequest, profile: partners.ReceiveProfile) -> None:
    """Send the signed test event and say what happened in plain words (the details go to the server log)."""
    try:
        outcome = delivery.send_test_event(profile.webhook_url, profile.webhook_secret)
    except Exception:
        log.exception("webhook test event for organisation %s failed", profile.organisation_id)
        messages.error(request, _("The test event could not be sent. Try again later."))
        return
    if outcome.delivered:
        messages.success(
            request, _("Test event delivered: your endpoint answered %(status)s.") % {"status": outcome.detail}
        )
    else:
        problem = timeline.plain_delivery_problem(outcome.detail)
        messages.error(request, _("Test event not delivered: %(problem)s.") % {"problem": problem})


@require_POST
@member_view
def settings_action(request: HttpRequest, action: str) -> HttpResponse:
    org, post = request.organisation, request.POST
    try:
        if action == "receive":
            wants_webhook = post.get("channel") == Channel.WEBHOOK and post.get("webhook_url")
            if wants_webhook and not partners.receive_profile(org.id).webhook_secret:
                # A signed webhook needs a secret: make it with the first save rather than refuse the URL typed.
                request.session["new_secret"] = partners.rotate_webhook_secret(org.id)
            partners.set_receive_preferences(
                org.id,
                format=post.get("format"),
                channel=post.get("channel"),
                webhook_url=post.get("webhook_url", ""),
                email=post.get("email", ""),
                peppol_participant=post.get("peppol_participant"),
                conversion_policies=_posted_policies(post),
                lenient_national_rules=_posted_national_rules(post),
            )
            messages.success(request, _("Receive preferences saved."))
        elif action == "rotate-secret":
            request.session["new_secret"] = partners.rotate_webhook_secret(org.id)
            messages.success(request, _("A new webhook secret was made. Copy it now: it is shown once."))
        elif action == "test-event":
            profile = partners.receive_profile(org.id)
            if not (profile.webhook_url and profile.webhook_secret):
                raise ValueError(_("Set a webhook URL and a secret first."))
            _test_event(request, profile)
        elif action == "token":
            scope = post.get("scope", "read")
            issued = partners.issue_api_token(org.id, post.get("name") or "portal", scope=scope)
            request.session["new_token"] = issued.plain
            messages.success(request, _("API token created. Copy it now: it is shown once."))
        elif action == "revoke":
            token_id = post.get("token_id", "")
            if not token_id.isdigit() or not partners.revoke_api_token(org.id, int(token_id)):
                raise ValueError(_("No such API token."))
            messages.success(request, _("API token revoked."))
        elif action == "identifier":
            claimed = partners.add_identifier(org.id, post.get("scheme", ""), post.get("value", ""))
            if claimed.verified:
                messages.success(request, _("Identifier added."))
            else:
                messages.success(
                    request,
                    _(
                        "Identifier claimed: it receives documents once verified (by the network operator, "
                        "or for an e-mail address by the link sent to it)."
                    ),
                )
        elif action == "remove-identifier":
            if not partners.remove_identifier(org.id, post.get("scheme", ""), post.get("value", "")):
                raise ValueError(_("No such identifier."))
            messages.success(request, _("Identifier removed: documents addressed to it no longer reach you."))
        else:
            raise Http404("unknown settings action")
    except (ValueError, partners.IdentifierTaken) as exc:
        messages.error(request, str(exc))
    return redirect("portal:settings")
