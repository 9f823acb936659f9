"""The SFTP settings page: the keys that open the organisation's SFTP drop, and the SFTP server its documents are
delivered to (with the public part of the key we log in with, to be authorised there)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pagero.kernel.vocabulary import Channel
from pagero.partners import public as partners

from .views import member_view


@member_view
def page(request: HttpRequest) -> HttpResponse:
    # The drop's module loads asyncssh (a fifth of a second): only this page needs it.
    from pagero.intake import public as intake

    org = request.organisation
    return render(
        request,
        "portal/sftp.html",
        {
            "server": intake.server_identity(),
            "username": org.slug,
            "keys": partners.list_sftp_keys(org.id),
            "max_keys": partners.MAX_SFTP_KEYS,
            "target": partners.sftp_target(org.id),
            "receives_by_sftp": partners.receive_profile(org.id).channel == Channel.SFTP,
        },
    )


@require_POST
@member_view
def action(request: HttpRequest, action: str) -> HttpResponse:
    org, post = request.organisation, request.POST
    try:
        if action == "add-key":
            added = partners.add_sftp_key(org.id, post.get("public_key", ""), post.get("name", ""))
            messages.success(request, _("Key %(fingerprint)s can now log in.") % {"fingerprint": added.fingerprint})
        elif action == "remove-key":
            key_id = post.get("key_id", "")
            if not key_id.isdigit() or not partners.remove_sftp_key(org.id, int(key_id)):
                raise ValueError(_("No such key."))
            messages.success(request, _("Key removed: it can no longer log in."))
        elif action == "target":
            partners.set_sftp_target(
                org.id,
                host=post.get("host", ""),
                port=post.get("port", "22"),
                user=post.get("user", ""),
                directory=post.get("directory", ""),
                host_key=post.get("host_key", ""),
            )
            messages.success(
                request,
                _("SFTP server saved. Authorise our public key on it, then choose SFTP as your channel in Settings."),
            )
        elif action == "new-client-key":
            partners.make_sftp_client_key(org.id)
            messages.success(
                request, _("A new key was made: authorise it on your server. The old one no longer works.")
            )
        else:
            raise Http404("unknown SFTP settings action")
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("portal_sftp:page")
