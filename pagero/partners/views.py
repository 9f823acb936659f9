"""The confirmation link of an e-mail identifier claim: GET shows what is confirmed, POST confirms.

Confirming takes a POST so that mail scanners that open every link in a message cannot confirm by themselves.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import public
from .confirmation import claim_id_from_token


@require_http_methods(["GET", "POST"])
def confirm_identifier(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            claim = public.confirm_identifier(token)
            return render(request, "partners/confirm_identifier.html", {"claim": claim, "done": True})
        claim = public.identifier_claim(claim_id_from_token(token))
        if claim.status != public.PENDING:
            raise public.InvalidConfirmation("this confirmation link is no longer valid: the claim was decided")
    except (public.InvalidConfirmation, public.IdentifierTaken) as exc:
        return render(request, "partners/confirm_identifier.html", {"error": str(exc)}, status=400)
    return render(request, "partners/confirm_identifier.html", {"claim": claim, "token": token})
