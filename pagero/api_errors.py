"""Every API error is a JSON body with `error` (a stable code) and `message`, never an HTML page.

Also the refusal of request bodies that are too large (or unframed) before anything reads them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.views import exception_handler

API_PREFIX = "/api/"


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
    extra = getattr(exc, "extra", None)
    if isinstance(extra, dict):
        body.update(extra)
    response.data = body
    return response


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, code: str, message: str, **extra: object) -> JsonResponse:
    return JsonResponse({"error": code, "message": message, **extra}, status=status)


def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any URL under /api/ that names no endpoint (or a malformed document id): the API's 404 shape."""
    return api_error(404, "not_found", f"no such resource: {request.method} {request.path_info}")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/, Django's page elsewhere."""
    if is_api(request):
        return api_error(500, "server_error", "the server failed to handle the request; it has been logged")
    return defaults.server_error(request)


def too_large_message(length: int, what: str = "the request body") -> str:
    return f"{what} is {length} bytes; the limit is {settings.MAX_DOCUMENT_BYTES} bytes (MAX_DOCUMENT_BYTES)"


class RequestBodyLimitMiddleware:
    """Refuses a body by its Content-Length before anything reads it.

    Under WSGI a body is read at most to its Content-Length, so checking the header bounds every read
    that follows (CSRF's form parsing, multipart uploads, the API's raw body). A body sent without a
    Content-Length (chunked) would reach Django as empty: it is refused with 411 instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.refusal(request) or self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        raw_length = request.META.get("CONTENT_LENGTH") or ""
        if not raw_length:
            if request.META.get("HTTP_TRANSFER_ENCODING"):
                return self.refuse(
                    request, 411, "length_required", "send the body with a Content-Length header, not chunked"
                )
            return None
        try:
            length = int(raw_length)
        except ValueError:
            length = -1
        if length < 0:
            return self.refuse(request, 400, "invalid_content_length", "Content-Length must be a number of bytes")
        limit = settings.MAX_DOCUMENT_BYTES
        if (request.META.get("CONTENT_TYPE") or "").lower().startswith("multipart/"):
            limit += settings.MULTIPART_OVERHEAD_BYTES
        if length > limit:
            return self.refuse(
                request, 413, "document_too_large", too_large_message(length), limit=settings.MAX_DOCUMENT_BYTES
            )
        return None

    @staticmethod
    def refuse(request: HttpRequest, status: int, code: str, message: str, **extra: object) -> JsonResponse:
        response = JsonResponse(refusal_body(request.path_info, code, message, **extra), status=status)
        # Framed, so that the client can read the answer while its body is still unsent.
        response["Content-Length"] = str(len(response.content))
        return response


def refusal_body(path: str, code: str, message: str, **extra: object) -> dict:
    if path.startswith(API_PREFIX):
        return {"error": code, "message": message, **extra}
    # The portal's upload endpoints answer {"ok": false, "error": <message>} to their script.
    return {"ok": False, "error": message, "code": code, **extra}


class AsgiBodyLimit:
    """The same bound for the ASGI entry point, where Django reads the whole body before any middleware runs.

    A declared Content-Length over the limit is answered 413 at once; a body that keeps coming past the limit
    (no or a false Content-Length) is cut off there with 413, and Django sees the client as gone.
    """

    def __init__(self, application: Callable) -> None:
        self.application = application

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.application(scope, receive, send)
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        limit = settings.MAX_DOCUMENT_BYTES
        if headers.get(b"content-type", b"").lower().startswith(b"multipart/"):
            limit += settings.MULTIPART_OVERHEAD_BYTES
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > limit:
            return await self.refuse(scope, send, int(declared))
        received = 0

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    await self.refuse(scope, send, received, at_least=True)
                    return {"type": "http.disconnect"}
            return message

        return await self.application(scope, limited_receive, send)

    @staticmethod
    async def refuse(scope: dict, send: Callable, length: int, at_least: bool = False) -> None:
        message = too_large_message(length)
        if at_least:
            message = message.replace(" is ", " is at least ", 1)
        body = json.dumps(
            refusal_body(scope.get("path", ""), "document_too_large", message, limit=settings.MAX_DOCUMENT_BYTES)
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
