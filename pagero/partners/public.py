"""The partners context's port: the only module other contexts import.

Organisations are the tenants of the network. Everything here takes and returns plain
dataclasses or ids so that callers never touch the partners models.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, Membership, Organisation, ParticipantIdentifier

TOKEN_PREFIX = "pgr_"


@dataclass(frozen=True)
class OrganisationRef:
    id: int
    name: str
    slug: str


@dataclass(frozen=True)
class Identifier:
    scheme: str
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token. `plain` exists only here: it is never stored."""

    id: int
    name: str
    scope: str
    prefix: str
    plain: str


@dataclass(frozen=True)
class TokenPrincipal:
    organisation_id: int
    token_id: int
    scope: str

    @property
    def can_write(self) -> bool:
        return self.scope == ApiToken.SCOPE_WRITE


@dataclass(frozen=True)
class ReceiveProfile:
    """How an organisation receives: the format to convert to and the channel to deliver by."""

    organisation_id: int
    name: str
    format: str  # original | ubl | cii | edifact
    channel: str  # inbox | webhook | email
    webhook_url: str = ""
    webhook_secret: str = ""
    email: str = ""


class IdentifierTaken(ValueError):
    """The identifier already belongs to another organisation."""


def _ref(org: Organisation) -> OrganisationRef:
    return OrganisationRef(id=org.pk, name=org.name, slug=org.slug)


def normalise_identifier(scheme: str, value: str) -> Identifier:
    """Scheme codes are trimmed and lower-cased; values lose all blanks (compared case-insensitively)."""
    return Identifier(scheme=scheme.strip().lower(), value="".join(value.split()))


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def ensure_organisation(name: str, slug: str) -> OrganisationRef:
    org, created = Organisation.objects.get_or_create(slug=slug, defaults={"name": name})
    if not created and org.name != name:
        org.name = name
        org.save(update_fields=["name"])
    return _ref(org)


def get_organisation(organisation_id: int) -> OrganisationRef:
    return _ref(Organisation.objects.get(pk=organisation_id))


def add_identifier(organisation_id: int, scheme: str, value: str) -> Identifier:
    ident = normalise_identifier(scheme, value)
    if not ident.scheme or not ident.value:
        raise ValueError("an identifier needs both a scheme (e.g. 0192) and a value")
    with transaction.atomic():
        existing = (
            ParticipantIdentifier.objects.select_for_update()
            .filter(scheme=ident.scheme, value__iexact=ident.value)
            .first()
        )
        if existing is not None and existing.organisation_id != organisation_id:
            raise IdentifierTaken(f"identifier {ident} already belongs to another organisation")
        if existing is None:
            ParticipantIdentifier.objects.create(
                organisation_id=organisation_id, scheme=ident.scheme, value=ident.value
            )
    return ident


def receive_profile(organisation_id: int) -> ReceiveProfile:
    org = Organisation.objects.get(pk=organisation_id)
    return ReceiveProfile(
        org.pk,
        org.name,
        org.receive_format,
        org.receive_channel,
        org.webhook_url,
        org.webhook_secret,
        org.delivery_email,
    )


def set_receive_preferences(
    organisation_id: int,
    *,
    format: str | None = None,
    channel: str | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    email: str | None = None,
) -> ReceiveProfile:
    org = Organisation.objects.get(pk=organisation_id)
    formats = {value for value, _ in Organisation.FORMATS}
    channels = {value for value, _ in Organisation.CHANNELS}
    if format is not None:
        if format not in formats:
            raise ValueError(f"unknown receive format {format!r}; use one of {sorted(formats)}")
        org.receive_format = format
    if channel is not None:
        if channel not in channels:
            raise ValueError(f"unknown channel {channel!r}; use one of {sorted(channels)}")
        org.receive_channel = channel
    if webhook_url:
        parts = urlsplit(webhook_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"the webhook URL must be an http(s) URL with a host, not {webhook_url!r}")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(f"{email!r} is not an e-mail address") from None
    for field, value in (("webhook_url", webhook_url), ("webhook_secret", webhook_secret), ("delivery_email", email)):
        if value is not None:
            setattr(org, field, value)
    if org.receive_channel == "webhook" and not (org.webhook_url and org.webhook_secret):
        raise ValueError("a webhook channel needs a webhook URL and a secret")
    if org.receive_channel == "email" and not org.delivery_email:
        raise ValueError("an e-mail channel needs an e-mail address")
    org.save()
    return receive_profile(org.pk)


def find_organisations_by_value(value: str, schemes: frozenset[str]) -> list[OrganisationRef]:
    """Organisations holding `value` under any of `schemes` (e.g. a VAT number under any VAT scheme)."""
    cleaned = "".join(value.split())
    rows = ParticipantIdentifier.objects.select_related("organisation").filter(
        value__iexact=cleaned, scheme__in=[s.lower() for s in schemes]
    )
    return [_ref(row.organisation) for row in rows]


def list_identifiers(organisation_id: int) -> list[Identifier]:
    rows = ParticipantIdentifier.objects.filter(organisation_id=organisation_id)
    return [Identifier(scheme=row.scheme, value=row.value) for row in rows]


def find_organisation_by_identifier(scheme: str, value: str) -> OrganisationRef | None:
    """Directory look-up: which organisation receives on this identifier."""
    ident = normalise_identifier(scheme, value)
    row = (
        ParticipantIdentifier.objects.select_related("organisation")
        .filter(scheme=ident.scheme, value__iexact=ident.value)
        .first()
    )
    return _ref(row.organisation) if row else None


def ensure_member(
    organisation_id: int,
    username: str,
    password: str,
    email: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> int:
    """Create or update a user of the organisation; returns the user id."""
    user_model = get_user_model()
    with transaction.atomic():
        user, _ = user_model.objects.get_or_create(username=username, defaults={"email": email})
        user.email = email
        user.is_staff = is_staff
        user.is_superuser = is_superuser
        user.set_password(password)
        user.save()
        Membership.objects.update_or_create(user=user, defaults={"organisation_id": organisation_id})
    return user.pk


def organisation_for_user(user) -> OrganisationRef | None:
    if user is None or not user.is_authenticated:
        return None
    membership = Membership.objects.select_related("organisation").filter(user=user).first()
    return _ref(membership.organisation) if membership else None


def issue_api_token(
    organisation_id: int, name: str, scope: str = ApiToken.SCOPE_WRITE, plain: str | None = None
) -> IssuedToken:
    """Issue a token. `plain` may be given only for reproducible demo data."""
    if scope not in {ApiToken.SCOPE_READ, ApiToken.SCOPE_WRITE}:
        raise ValueError(f"unknown token scope {scope!r}; use 'read' or 'write'")
    plain = plain or TOKEN_PREFIX + secrets.token_urlsafe(32)
    token, _ = ApiToken.objects.update_or_create(
        token_hash=hash_token(plain),
        defaults={
            "organisation_id": organisation_id,
            "name": name,
            "prefix": plain[:12],
            "scope": scope,
            "revoked_at": None,
        },
    )
    return IssuedToken(id=token.pk, name=name, scope=scope, prefix=token.prefix, plain=plain)


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    prefix: str
    scope: str
    created_at: object
    last_used_at: object
    revoked: bool


def list_api_tokens(organisation_id: int) -> list[TokenInfo]:
    return [
        TokenInfo(t.pk, t.name, t.prefix, t.scope, t.created_at, t.last_used_at, t.revoked_at is not None)
        for t in ApiToken.objects.filter(organisation_id=organisation_id).order_by("-created_at")
    ]


def rotate_webhook_secret(organisation_id: int) -> str:
    """A new random webhook secret; the old one stops verifying at once."""
    secret = secrets.token_urlsafe(32)
    Organisation.objects.filter(pk=organisation_id).update(webhook_secret=secret)
    return secret


def organisation_names(ids: set[int]) -> dict[int, str]:
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))


def revoke_api_token(organisation_id: int, token_id: int) -> bool:
    updated = ApiToken.objects.filter(pk=token_id, organisation_id=organisation_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return bool(updated)


def authenticate_token(plain: str) -> TokenPrincipal | None:
    """Resolve a presented token to its organisation, or None when unknown or revoked."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.filter(token_hash=hash_token(plain), revoked_at__isnull=True).first()
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return TokenPrincipal(organisation_id=token.organisation_id, token_id=token.pk, scope=token.scope)


def api_authentication():
    """DRF authentication and permission classes for organisation API tokens (for other contexts' APIs)."""
    from .auth import ApiTokenAuthentication, HasWriteScope

    return ApiTokenAuthentication, HasWriteScope
