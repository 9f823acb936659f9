"""Organisations (tenants), their participant identifiers, members and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from pagero.kernel.vocabulary import CHANNEL_LABELS, ORIGINAL, RECEIVE_FORMAT_LABELS, Channel


class Organisation(models.Model):
    FORMATS = list(RECEIVE_FORMAT_LABELS.items())
    CHANNELS = list(CHANNEL_LABELS.items())

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Receive preferences: the format documents are converted to, and the channel they arrive by.
    receive_format = models.CharField(max_length=16, choices=FORMATS, default=ORIGINAL)
    # Orders and order responses have their own receive format (an ERP often takes orders as EDIFACT and invoices
    # as UBL); "cii" means Order-X for them.
    order_receive_format = models.CharField(max_length=16, choices=FORMATS, default=ORIGINAL)
    receive_channel = models.CharField(max_length=16, choices=CHANNELS, default=Channel.INBOX)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=128, blank=True)
    delivery_email = models.EmailField(blank=True)
    # What to do when a conversion to a receive format cannot carry every term of the original, per format
    # ({"ubl": "strict"}); a format not named here gets DEFAULT_CONVERSION_POLICY (partners.public).
    conversion_policies = models.JSONField(default=dict, blank=True)
    # Accept documents whose only fatal findings are national rules of the CIUS they declare (Peppol country
    # rules, XRechnung's German rules): they are converted and delivered with the findings on the timeline.
    lenient_national_rules = models.BooleanField(default=False)
    # SFTP delivery: the recipient's server and folder, its host key (one known_hosts line: the only key accepted) and
    # the client key we log in with (an OpenSSH private key made for this organisation; its public part is shown so
    # the organisation can authorise it on its server).
    sftp_host = models.CharField(max_length=253, blank=True)
    sftp_port = models.PositiveIntegerField(default=22)
    sftp_user = models.CharField(max_length=64, blank=True)
    sftp_directory = models.CharField(max_length=255, blank=True)
    sftp_host_key = models.TextField(max_length=4096, blank=True)
    sftp_client_key = models.TextField(max_length=4096, blank=True)
    # Peppol delivery: the organisation's participant id on the Peppol network (ICD:identifier, e.g.
    # 0192:987654325); its access point is found through the SMP for each document type.
    peppol_participant = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ParticipantIdentifier(models.Model):
    """An identifier a partner is known by on the network, e.g. 0088 (GLN) or 0192 (NO org no.).

    An organisation claims an identifier; the claim routes documents only once verified (by the network
    operator in the console, or for an e-mail identifier by the link sent to that address). Several
    organisations may claim the same (scheme, value), but only one holds it verified: that is how a sender
    addresses a recipient. Values are stored without blanks (see public.normalise_identifier) and compared
    case-insensitively: Peppol participant identifiers are case-insensitive, and VAT numbers are written both ways.
    """

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    STATUSES = [(PENDING, "pending verification"), (VERIFIED, "verified"), (REJECTED, "rejected")]

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=16)
    value = models.CharField(max_length=256)
    status = models.CharField(max_length=16, choices=STATUSES, default=PENDING, db_index=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Who verified or rejected the claim: "operator <username>", "e-mail confirmation", "demo data", ...
    decided_by = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("organisation", "scheme", Lower("value"), name="uniq_identifier_claim_ci"),
            models.UniqueConstraint(
                "scheme", Lower("value"), condition=models.Q(status="verified"), name="uniq_verified_identifier_ci"
            ),
        ]
        ordering = ["scheme", "value"]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


class Membership(models.Model):
    """A user's organisation. A user belongs to exactly one organisation."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class ApiToken(models.Model):
    """An API token. Only its SHA-256 is stored; the plain token is shown once when issued."""

    SCOPE_READ = "read"
    SCOPE_WRITE = "write"
    SCOPES = [(SCOPE_READ, "read"), (SCOPE_WRITE, "read and write")]

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True, help_text="first characters, to spot a token")
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=SCOPES, default=SCOPE_WRITE)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SftpKey(models.Model):
    """A public key allowed to log in to the organisation's SFTP drop (upload documents, fetch result files)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sftp_keys")
    # The key as one OpenSSH line ("ssh-ed25519 AAAA..."), without its comment; its SHA-256 fingerprint is unique,
    # so one key opens one organisation's drop.
    public_key = models.TextField(max_length=8192)
    fingerprint = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name or 'key'} ({self.fingerprint})"
