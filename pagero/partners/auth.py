"""DRF authentication with organisation API tokens: `Authorization: Bearer pgr_...`."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework import authentication, exceptions, permissions

from . import services as public


@dataclass(frozen=True)
class ApiClient:
    """The caller of an API request: an organisation through one of its tokens."""

    organisation_id: int
    token_id: int
    scope: str
    is_authenticated: bool = True
    is_anonymous: bool = False

    @property
    def pk(self) -> str:  # what throttles key on: one budget per organisation
        return f"org-{self.organisation_id}"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme not in {"Bearer", "Token"} or not token.strip():
            raise exceptions.AuthenticationFailed("use 'Authorization: Bearer <API token>'")
        principal = public.authenticate_token(token.strip())
        if principal is None:
            raise exceptions.AuthenticationFailed("unknown or revoked API token")
        return ApiClient(principal.organisation_id, principal.token_id, principal.scope), principal

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class HasWriteScope(permissions.BasePermission):
    message = "this API token is read-only; writing needs a token with the write scope"

    def has_permission(self, request, view) -> bool:
        if not getattr(request.user, "is_authenticated", False):
            return False  # DRF answers 401 with the WWW-Authenticate header
        if request.method in permissions.SAFE_METHODS:
            return True
        return getattr(request.user, "scope", None) == "write"
