"""Every API error is a JSON body with `error` (a stable code) and `message`, never an HTML page."""

from __future__ import annotations

from django.http import Http404
from rest_framework.views import exception_handler


def json_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data.get("detail") if isinstance(response.data, dict) else None
    codes = exc.get_codes() if hasattr(exc, "get_codes") else None
    code = codes if isinstance(codes, str) else getattr(exc, "default_code", None) or "invalid_request"
    if isinstance(exc, Http404):
        code = "not_found"
    message = str(detail) if detail is not None else "invalid request"
    body = {"error": code, "message": message}
    if isinstance(response.data, dict) and detail is None:
        body["fields"] = response.data
    response.data = body
    return response
