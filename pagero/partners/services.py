"""Organisations, their participant identifiers and claims, members, API tokens and receive profiles: the
implementation behind public.py."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from pagero.delivery import public as delivery
from pagero.kernel.vocabulary import ORDER_RECEIVE_FORMATS, ORDER_TYPES, ORIGINAL, Channel, Syntax

from . import identifiers as schemes
from .identifiers import InvalidIdentifier as InvalidIdentifier  # re-exported: a ValueError callers catch
from .models import ApiToken, Membership, Organisation, ParticipantIdentifier

# Identifier claim states (ParticipantIdentifier.status).
PENDING = ParticipantIdentifier.PENDING
VERIFIED = ParticipantIdentifier.VERIFIED
REJECTED = ParticipantIdentifier.REJECTED

TOKEN_PREFIX = "pgr_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class OrganisationRef:
    id: int
    name: str
    slug: str


@dataclass(frozen=True)
class Identifier:
    scheme: str
    value: str
    # pending | verified | rejected for a stored claim ("" for a bare identifier); only verified ones route.
    status: str = dataclass_field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"

    @property
    def verified(self) -> bool:
        return self.status == VERIFIED


@dataclass(frozen=True)
class IdentifierClaim:
    """An organisation's claim on an identifier, as the operator reviews it."""

    id: int
    organisation_id: int
    organisation_name: str
    scheme: str
    value: str
    status: str
    claimed_at: object
    decided_by: str
    # Other organisations holding or claiming the same identifier, e.g. "Acme Supplies AB (verified, 0088)".
    conflicts: tuple[str, ...] = ()


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


# What happens when converting to a receive format cannot carry every term of the original (a lossy conversion):
# strict refuses it (the document fails, listing what the format cannot hold); deliver-with-original delivers the
# conversion with the dropped terms listed and the original attached where the format allows it.
POLICY_STRICT = "strict"
POLICY_DELIVER_WITH_ORIGINAL = "deliver-with-original"
CONVERSION_POLICIES = (POLICY_STRICT, POLICY_DELIVER_WITH_ORIGINAL)
DEFAULT_CONVERSION_POLICY = POLICY_DELIVER_WITH_ORIGINAL
# The receive formats a conversion produces ("original" passes the document on unchanged: nothing is lost).
CONVERTED_FORMATS = tuple(Syntax)


@dataclass(frozen=True)
class ReceiveProfile:
    """How an organisation receives: the format to convert to, the channel to deliver by, what to do with a lossy
    conversion (per format) and whether documents failing only national rules are accepted."""

    organisation_id: int
    name: str
    format: str  # original | ubl | cii | edifact
    channel: str  # inbox | webhook | email | sftp
    webhook_url: str = ""
    webhook_secret: str = ""
    email: str = ""
    conversion_policies: dict[str, str] = dataclass_field(default_factory=dict, compare=False)
    lenient_national_rules: bool = False
    order_format: str = ORIGINAL  # orders and order responses: original | ubl | cii (Order-X) | edifact
    # SFTP delivery (partners/sftp.py): server, port, user, folder, its host key and our client key (private).
    sftp_host: str = ""
    sftp_port: int = 22
    sftp_user: str = ""
    sftp_directory: str = ""
    sftp_host_key: str = dataclass_field(default="", repr=False)
    sftp_client_key: str = dataclass_field(default="", repr=False, compare=False)
    peppol_participant: str = ""  # ICD:identifier, for the peppol channel

    def delivery_address(self) -> delivery.Address:
        """What the delivery channels need from this profile."""
        return delivery.Address(
            webhook_url=self.webhook_url,
            webhook_secret=self.webhook_secret,
            email=self.email,
            sftp_host=self.sftp_host,
            sftp_port=self.sftp_port,
            sftp_user=self.sftp_user,
            sftp_directory=self.sftp_directory,
            sftp_host_key=self.sftp_host_key,
            sftp_client_key=self.sftp_client_key,
            peppol_participant=self.peppol_participant,
        )

    def format_for(self, document_type: str) -> str:
        """The receive format for a document type: orders have their own preference."""
        return self.order_format if document_type in ORDER_TYPES else self.format

    def conversion_policy(self, fmt: str) -> str:
        """The lossy-conversion policy for a receive format (DEFAULT_CONVERSION_POLICY unless chosen)."""
        return self.conversion_policies.get(fmt, DEFAULT_CONVERSION_POLICY)


class IdentifierTaken(ValueError):
    """The identifier already belongs (verified) to another organisation."""


class InvalidConfirmation(ValueError):
    """An identifier confirmation link that is malformed, expired, or for a claim no longer pending."""


def _ref(org: Organisation) -> OrganisationRef:
    return OrganisationRef(id=org.pk, name=org.name, slug=org.slug)


# An identifier row's organisation as an OrganisationRef, read without the organisation's other columns: the
# directory look-ups run for every document routed.
_REF_COLUMNS = ("organisation_id", "organisation__name", "organisation__slug")


def normalise_identifier(scheme: str, value: str) -> Identifier:
    """Scheme codes are trimmed and lower-cased; values lose all blanks (compared case-insensitively)."""
    scheme, value = schemes.normalise(scheme, value)
    return Identifier(scheme=scheme, value=value)


def validate_identifier(scheme: str, value: str) -> Identifier:
    """The normalised identifier, or InvalidIdentifier (a ValueError) naming what is wrong: unknown scheme,
    a value too long, with control characters, or not of its scheme's form (GLN check digit, VAT prefix, ...)."""
    scheme, value = schemes.check(scheme, value)
    return Identifier(scheme=scheme, value=value)


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


def _family_rows(ident: Identifier):
    """Rows for the same identifier as routing sees it: a VAT number under any VAT scheme, an address under
    either e-mail scheme, otherwise the same scheme."""
    return ParticipantIdentifier.objects.filter(scheme__in=schemes.family(ident.scheme), value__iexact=ident.value)


def _holder(ident: Identifier, organisation_id: int) -> ParticipantIdentifier | None:
    return _family_rows(ident).filter(status=VERIFIED).exclude(organisation_id=organisation_id).first()


def _taken(ident: Identifier) -> IdentifierTaken:
    return IdentifierTaken(
        f"identifier {ident} is already verified for another organisation; if it is yours, ask the network "
        "operator to review it"
    )


def _as_identifier(row: ParticipantIdentifier) -> Identifier:
    return Identifier(scheme=row.scheme, value=row.value, status=row.status)


def _verify(row: ParticipantIdentifier, decided_by: str) -> None:
    """Mark a claim verified; competing pending claims of other organisations are rejected with it."""
    row.status, row.decided_at, row.decided_by = VERIFIED, timezone.now(), decided_by[:200]
    try:
        with transaction.atomic():  # the database has the last word when two verifications race
            row.save(update_fields=["status", "decided_at", "decided_by"])
    except IntegrityError:
        raise _taken(_as_identifier(row)) from None
    _reject_competing(row)


def _reject_competing(verified: ParticipantIdentifier) -> None:
    """Reject the pending claims of other organisations on an identifier that `verified` now holds."""
    _family_rows(_as_identifier(verified)).filter(status=PENDING).exclude(
        organisation_id=verified.organisation_id
    ).update(
        status=REJECTED,
        decided_at=verified.decided_at,
        decided_by=f"verified for another organisation ({verified.decided_by})"[:200],
    )


# Who decided an identifier that a trusted caller registered verified (add_identifier(verified=True)).
REGISTERED = "registered verified"
# Bounds on what one organisation can ask for: open claims, and how often a confirmation goes to one address.
MAX_PENDING_CLAIMS = 20
CONFIRMATION_RESEND_AFTER = timedelta(minutes=15)


def add_identifier(organisation_id: int, scheme: str, value: str, *, verified: bool = False) -> Identifier:
    """Claim an identifier for an organisation. The claim routes nothing until it is verified: by the network
    operator (console), or for an e-mail identifier by the confirmation link e-mailed to that address (sent
    again when the claim is repeated, at most every 15 minutes). `verified=True` is for trusted callers only
    (demo data, operator tooling, tests): it registers the identifier verified at once.

    Raises InvalidIdentifier for a bad scheme or value or too many open claims, IdentifierTaken when another
    organisation holds the identifier verified."""
    ident = validate_identifier(scheme, value)
    send = False
    with transaction.atomic():
        rows = list(_family_rows(ident).select_for_update())
        if any(row.status == VERIFIED and row.organisation_id != organisation_id for row in rows):
            raise _taken(ident)
        own = next((r for r in rows if r.organisation_id == organisation_id and r.scheme == ident.scheme), None)
        if not verified and (own is None or own.status == REJECTED):
            pending = ParticipantIdentifier.objects.filter(organisation_id=organisation_id, status=PENDING).count()
            if pending >= MAX_PENDING_CLAIMS:
                raise InvalidIdentifier(
                    f"{pending} identifier claims are already waiting for verification; wait until they are decided"
                )
        if own is None:
            # A trusted caller's identifier is written verified at once: one INSERT, not an INSERT and an UPDATE.
            decision = {"status": VERIFIED, "decided_at": timezone.now(), "decided_by": REGISTERED} if verified else {}
            try:
                with transaction.atomic():
                    own = ParticipantIdentifier.objects.create(
                        organisation_id=organisation_id, scheme=ident.scheme, value=ident.value, **decision
                    )
            except IntegrityError:
                # The same claim, made at the same moment, exists now; or, registering it verified, another
                # organisation's verification of it came first.
                own = ParticipantIdentifier.objects.filter(
                    organisation_id=organisation_id, scheme=ident.scheme, value__iexact=ident.value
                ).first()
                if own is None:
                    raise _taken(ident) from None
            else:
                competing = any(r.status == PENDING and r.organisation_id != organisation_id for r in rows)
                if verified and competing:
                    _reject_competing(own)
            send = True
        elif own.status == REJECTED:  # asking again puts the claim back in front of the operator
            own.status, own.decided_at, own.decided_by, own.claimed_at = PENDING, None, "", timezone.now()
            own.save(update_fields=["status", "decided_at", "decided_by", "claimed_at"])
            send = True
        elif own.status == PENDING and own.claimed_at < timezone.now() - CONFIRMATION_RESEND_AFTER:
            own.claimed_at = timezone.now()
            own.save(update_fields=["claimed_at"])
            send = True
        if verified and own.status != VERIFIED:
            _verify(own, REGISTERED)
        claim_id, status = own.pk, own.status
    if send and status == PENDING and ident.scheme in schemes.EMAIL_SCHEMES:
        from .confirmation import send_confirmation

        send_confirmation(claim_id)
    return Identifier(scheme=ident.scheme, value=ident.value, status=status)


def remove_identifier(organisation_id: int, scheme: str, value: str) -> bool:
    """Remove one of the organisation's identifiers (a claim of any status). From then on documents addressed to it
    no longer reach this organisation, and another organisation may claim it. False if it holds no such identifier.
    Raises InvalidIdentifier for a malformed scheme or value."""
    ident = validate_identifier(scheme, value)
    deleted, _ = ParticipantIdentifier.objects.filter(
        organisation_id=organisation_id, scheme=ident.scheme, value__iexact=ident.value
    ).delete()
    return deleted > 0


def _claim(row: ParticipantIdentifier) -> IdentifierClaim:
    others = (
        _family_rows(_as_identifier(row))
        .exclude(organisation_id=row.organisation_id)
        .exclude(status=REJECTED)
        .select_related("organisation")
    )
    conflicts = tuple(
        f"{other.organisation.name} ({'holds it verified' if other.status == VERIFIED else 'claims it'}, "
        f"{other.scheme}:{other.value})"
        for other in others
    )
    return IdentifierClaim(
        id=row.pk,
        organisation_id=row.organisation_id,
        organisation_name=row.organisation.name,
        scheme=row.scheme,
        value=row.value,
        status=row.status,
        claimed_at=row.claimed_at,
        decided_by=row.decided_by,
        conflicts=conflicts,
    )


def identifier_claim(claim_id: int) -> IdentifierClaim:
    return _claim(ParticipantIdentifier.objects.select_related("organisation").get(pk=claim_id))


def identifier_claims(organisation_id: int | None = None, status: str | None = None) -> list[IdentifierClaim]:
    """Identifier claims, oldest first, each with its conflicts; of one organisation and/or in one status."""
    rows = ParticipantIdentifier.objects.select_related("organisation").order_by("claimed_at", "pk")
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    if status is not None:
        rows = rows.filter(status=status)
    return [_claim(row) for row in rows]


def pending_identifier_claims() -> list[IdentifierClaim]:
    """Claims waiting for the operator, oldest first, each with its conflicts."""
    return identifier_claims(status=PENDING)


def approve_identifier_claim(claim_id: int, decided_by: str) -> IdentifierClaim:
    """Verify a pending claim (the operator's decision); competing pending claims are rejected.
    IdentifierTaken when another organisation holds the identifier verified (reject one of them first)."""
    with transaction.atomic():
        row = ParticipantIdentifier.objects.select_for_update().select_related("organisation").get(pk=claim_id)
        ident = _as_identifier(row)
        list(_family_rows(ident).select_for_update())
        if _holder(ident, row.organisation_id) is not None:
            raise _taken(ident)
        if row.status != VERIFIED:
            _verify(row, decided_by)
    return identifier_claim(claim_id)


def reject_identifier_claim(claim_id: int, decided_by: str) -> IdentifierClaim:
    """Reject a claim (pending or verified): it no longer routes."""
    ParticipantIdentifier.objects.filter(pk=claim_id).update(
        status=REJECTED, decided_at=timezone.now(), decided_by=decided_by[:200]
    )
    return identifier_claim(claim_id)


def confirm_identifier(token: str) -> IdentifierClaim:
    """Verify the e-mail identifier claim named by a confirmation link's token. InvalidConfirmation when the
    token is malformed, expired or its claim is no longer pending; IdentifierTaken as for approval."""
    from .confirmation import claim_id_from_token

    claim_id = claim_id_from_token(token)
    with transaction.atomic():
        row = ParticipantIdentifier.objects.select_for_update().filter(pk=claim_id).first()
        if row is None or row.status != PENDING:
            raise InvalidConfirmation("this confirmation link is no longer valid: the claim was withdrawn or decided")
        ident = _as_identifier(row)
        list(_family_rows(ident).select_for_update())
        if _holder(ident, row.organisation_id) is not None:
            raise _taken(ident)
        _verify(row, "e-mail confirmation")
    return identifier_claim(claim_id)


def receive_profile(organisation_id: int) -> ReceiveProfile:
    org = Organisation.objects.get(pk=organisation_id)
    stored = org.conversion_policies if isinstance(org.conversion_policies, dict) else {}
    return ReceiveProfile(
        org.pk,
        org.name,
        org.receive_format,
        org.receive_channel,
        org.webhook_url,
        org.webhook_secret,
        org.delivery_email,
        # Only known formats and policies count: anything else stored falls back to the default.
        {fmt: policy for fmt, policy in stored.items() if fmt in CONVERTED_FORMATS and policy in CONVERSION_POLICIES},
        org.lenient_national_rules,
        org.order_receive_format,
        sftp_host=org.sftp_host,
        sftp_port=org.sftp_port,
        sftp_user=org.sftp_user,
        sftp_directory=org.sftp_directory,
        sftp_host_key=org.sftp_host_key,
        sftp_client_key=org.sftp_client_key,
        peppol_participant=org.peppol_participant,
    )


def _checked_policies(policies: object) -> dict[str, str]:
    if not isinstance(policies, dict):
        raise ValueError("conversion policies must map a receive format to a policy, e.g. {'ubl': 'strict'}")
    for fmt, policy in policies.items():
        if fmt not in CONVERTED_FORMATS:
            raise ValueError(
                f"no conversion policy for the receive format {fmt!r}: use one of {', '.join(CONVERTED_FORMATS)}"
            )
        if policy not in CONVERSION_POLICIES:
            raise ValueError(f"unknown conversion policy {policy!r}; use one of {', '.join(CONVERSION_POLICIES)}")
    return dict(policies)


# A Peppol participant id: the ICD (ISO 6523 scheme code) and the identifier, as the SMP and SBDH name it.
PEPPOL_PARTICIPANT = re.compile(r"[0-9]{4}:[A-Za-z0-9][A-Za-z0-9.:_-]{0,49}")
# What the peppol channel can send (Peppol BIS documents): UBL, and CII D16B.
PEPPOL_FORMATS = frozenset({Syntax.UBL, Syntax.CII})


def set_receive_preferences(
    organisation_id: int,
    *,
    format: str | None = None,
    channel: str | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    email: str | None = None,
    conversion_policies: dict[str, str] | None = None,
    lenient_national_rules: bool | None = None,
    order_format: str | None = None,
    peppol_participant: str | None = None,
) -> ReceiveProfile:
    """Change how an organisation receives; arguments left None keep their value.

    `conversion_policies` sets the lossy-conversion policy of the formats it names ("strict" or
    "deliver-with-original"; the others keep theirs). `lenient_national_rules` (True/False) accepts documents whose
    only fatal findings are national rules. A bad value raises ValueError naming it, and nothing is saved.
    """
    org = Organisation.objects.get(pk=organisation_id)
    if conversion_policies is not None:
        chosen = _checked_policies(conversion_policies)
        stored = org.conversion_policies if isinstance(org.conversion_policies, dict) else {}
        org.conversion_policies = {**stored, **chosen}
    if lenient_national_rules is not None:
        if not isinstance(lenient_national_rules, bool):
            raise ValueError(f"lenient_national_rules must be true or false, not {lenient_national_rules!r}")
        org.lenient_national_rules = lenient_national_rules
    formats = {value for value, _ in Organisation.FORMATS}
    channels = {value for value, _ in Organisation.CHANNELS}
    if format is not None:
        if format not in formats:
            raise ValueError(f"unknown receive format {format!r}; use one of {sorted(formats)}")
        org.receive_format = format
    if order_format is not None:
        if order_format not in ORDER_RECEIVE_FORMATS:
            raise ValueError(
                f"unknown receive format for orders {order_format!r}; use one of {', '.join(ORDER_RECEIVE_FORMATS)}"
            )
        org.order_receive_format = order_format
    if channel is not None:
        if channel not in channels:
            raise ValueError(f"unknown channel {channel!r}; use one of {sorted(channels)}")
        org.receive_channel = channel
    if webhook_url:
        delivery.check_webhook_url(webhook_url)  # WebhookUrlRefused, a ValueError naming the problem
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(f"{email!r} is not an e-mail address") from None
    for field, value in (("webhook_url", webhook_url), ("webhook_secret", webhook_secret), ("delivery_email", email)):
        if value is not None:
            setattr(org, field, value)
    if org.receive_channel == Channel.WEBHOOK and not (org.webhook_url and org.webhook_secret):
        raise ValueError("a webhook channel needs a webhook URL and a secret")
    if org.receive_channel == Channel.EMAIL and not org.delivery_email:
        raise ValueError("an e-mail channel needs an e-mail address")
    if peppol_participant is not None:
        if peppol_participant and not PEPPOL_PARTICIPANT.fullmatch(peppol_participant):
            raise ValueError(
                f"{peppol_participant[:60]!r} is not a Peppol participant id: a 4-digit ICD, a colon and the identifier"
                " (e.g. 0192:987654325)"
            )
        org.peppol_participant = peppol_participant
    if org.receive_channel == Channel.PEPPOL:
        if not org.peppol_participant:
            raise ValueError("a Peppol channel needs the organisation's Peppol participant id")
        if org.receive_format not in PEPPOL_FORMATS:
            raise ValueError("over Peppol documents travel as UBL or CII: choose one of them as the receive format")
    if org.receive_channel == Channel.SFTP and not (org.sftp_host and org.sftp_user and org.sftp_host_key):
        raise ValueError("an SFTP channel needs the server, the user and the server's host key (SFTP settings)")
    org.save()
    return receive_profile(org.pk)


def find_organisations_by_value(value: str, schemes: frozenset[str]) -> list[OrganisationRef]:
    """Organisations holding `value` verified under any of `schemes` (e.g. a VAT number under any VAT scheme).
    Pending or rejected claims never count: a claim cannot take or block anyone's documents."""
    cleaned = "".join(value.split())
    rows = ParticipantIdentifier.objects.filter(
        value__iexact=cleaned, scheme__in=[s.lower() for s in schemes], status=VERIFIED
    ).values_list(*_REF_COLUMNS)
    return list(dict.fromkeys(OrganisationRef(*row) for row in rows))


def list_identifiers(organisation_id: int) -> list[Identifier]:
    """All of an organisation's identifier claims, each with its status (pending | verified | rejected)."""
    rows = ParticipantIdentifier.objects.filter(organisation_id=organisation_id)
    return [_as_identifier(row) for row in rows]


def find_organisation_by_identifier(scheme: str, value: str) -> OrganisationRef | None:
    """Directory look-up: which organisation receives on this identifier (verified identifiers only)."""
    ident = normalise_identifier(scheme, value)
    row = (
        ParticipantIdentifier.objects.filter(scheme=ident.scheme, value__iexact=ident.value, status=VERIFIED)
        .values_list(*_REF_COLUMNS)
        .first()
    )
    return OrganisationRef(*row) if row else None


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
    fields = {"organisation_id": organisation_id, "name": name, "scope": scope, "revoked_at": None}
    if not plain:  # a new random token cannot be in the table yet: one INSERT
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(token_hash=hash_token(plain), prefix=plain[:12], **fields)
    else:  # demo data issues the same token again on every seed
        token, _ = ApiToken.objects.update_or_create(
            token_hash=hash_token(plain), defaults={"prefix": plain[:12], **fields}
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


def organisation_names(ids: Iterable[int | None]) -> dict[int | None, str]:
    """The names of the organisations with these ids (None and unknown ids are left out)."""
    wanted = {i for i in ids if i is not None}
    return dict(Organisation.objects.filter(pk__in=wanted).values_list("pk", "name"))


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
    now = timezone.now()
    # At most one write a minute per token (what the portal shows): a burst of API calls is not a burst of
    # writes, which a single-writer database (SQLite in `make run`) would make wait on each other.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return TokenPrincipal(organisation_id=token.organisation_id, token_id=token.pk, scope=token.scope)


def api_authentication():
    """DRF authentication and permission classes for organisation API tokens (for other contexts' APIs)."""
    from .auth import ApiTokenAuthentication, HasWriteScope

    return ApiTokenAuthentication, HasWriteScope
