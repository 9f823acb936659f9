"""The operator console for partners: organisations, identifier claims (review, approve, reject), members, tokens.

Webhook secrets are never shown: the console says whether one is set and can rotate it.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from pagero.console import moment
from pagero.delivery import public as delivery

from . import services as public
from .models import ApiToken, Membership, Organisation, ParticipantIdentifier


class IdentifierInline(admin.TabularInline):
    """Identifiers are claimed by the organisation and decided in the claims list, not edited here."""

    model = ParticipantIdentifier
    extra = 0
    fields = ["scheme", "value", "status", "decided_by"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OrganisationForm(forms.ModelForm):
    webhook_url = forms.URLField(max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        # Never the webhook secret: the console shows only whether one is set.
        fields = [
            "name",
            "slug",
            "receive_format",
            "receive_channel",
            "webhook_url",
            "delivery_email",
            "peppol_participant",
        ]

    def clean_peppol_participant(self) -> str:
        value = self.cleaned_data.get("peppol_participant", "")
        if value and not public.PEPPOL_PARTICIPANT.fullmatch(value):
            raise forms.ValidationError(_("a Peppol participant id is a 4-digit ICD, a colon and the identifier"))
        return value

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data.get("webhook_url", "")
        if url:
            try:
                delivery.check_webhook_url(url)
            except delivery.WebhookUrlRefused as exc:
                raise forms.ValidationError(str(exc)) from None
        return url


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationForm
    list_display = ["name", "slug", "receive_channel", "webhook_secret_state", "created"]
    search_fields = ["name", "slug", "identifiers__value"]
    fields = [*OrganisationForm.Meta.fields, "webhook_secret_state"]
    readonly_fields = ["webhook_secret_state"]
    inlines = [IdentifierInline]
    actions = ["rotate_webhook_secret"]

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj: Organisation) -> str:
        return moment(obj.created_at)

    @admin.display(description=_("webhook secret"))
    def webhook_secret_state(self, obj: Organisation) -> str:
        return _("set") if obj.webhook_secret else _("not set")

    @admin.action(description=_("Rotate the webhook secret (the organisation sees the new one by rotating it again)"))
    def rotate_webhook_secret(self, request, queryset) -> None:
        # The new value is not shown here: only the organisation may know it, and it gets one by rotating it
        # in its own settings. Until then signed deliveries fail verification at the receiver, as they should
        # after a leak.
        for org in queryset:
            public.rotate_webhook_secret(org.pk)
        self.message_user(
            request, _("Webhook secret rotated for %(count)d organisation(s).") % {"count": len(queryset)}
        )


class ClaimStatusFilter(admin.SimpleListFilter):
    """Pending claims first: the list opens on what waits for a decision."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*ParticipantIdentifier.STATUSES, ("all", _("all"))]

    def choices(self, changelist):
        value = self.value() or ParticipantIdentifier.PENDING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or ParticipantIdentifier.PENDING
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(ParticipantIdentifier)
class ParticipantIdentifierAdmin(admin.ModelAdmin):
    """Identifier claims. A claim routes nothing until approved here (or confirmed by e-mail link)."""

    list_display = ["scheme", "value", "organisation", "status", "claimed", "conflicts", "decided_by"]
    list_filter = [ClaimStatusFilter]
    search_fields = ["value", "organisation__name"]
    fields = ["organisation", "scheme", "value", "status", "claimed_at", "decided_at", "decided_by", "conflicts"]
    readonly_fields = fields
    ordering = ["claimed_at"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request) -> bool:
        return False  # organisations claim identifiers themselves; scheme and value are validated there

    @admin.display(description=_("claimed"), ordering="claimed_at")
    def claimed(self, obj: ParticipantIdentifier) -> str:
        return moment(obj.claimed_at)

    @admin.display(description=_("conflicts"))
    def conflicts(self, obj: ParticipantIdentifier) -> str:
        return "; ".join(public.identifier_claim(obj.pk).conflicts) or "—"

    def _decided_by(self, request) -> str:
        return f"operator {request.user.get_username()}"

    @admin.action(description=_("Approve the selected claims (competing claims are rejected)"))
    def approve(self, request, queryset) -> None:
        approved = 0
        for claim in queryset:
            try:
                public.approve_identifier_claim(claim.pk, self._decided_by(request))
                approved += 1
            except public.IdentifierTaken as exc:
                self.message_user(
                    request, f"{claim.scheme}:{claim.value} ({claim.organisation}): {exc}", messages.ERROR
                )
        if approved:
            self.message_user(request, _("%(count)d claim(s) approved.") % {"count": approved})

    @admin.action(description=_("Reject the selected claims (they stop routing)"))
    def reject(self, request, queryset) -> None:
        for claim in queryset:
            public.reject_identifier_claim(claim.pk, self._decided_by(request))
        self.message_user(request, _("%(count)d claim(s) rejected.") % {"count": len(queryset)})


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "organisation", "scope", "created", "revoked", "last_used"]
    readonly_fields = ["token_hash", "prefix", "created_at", "last_used_at"]

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj: ApiToken) -> str:
        return moment(obj.created_at)

    @admin.display(description=_("revoked"), ordering="revoked_at")
    def revoked(self, obj: ApiToken) -> str:
        return moment(obj.revoked_at) if obj.revoked_at else "—"

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, obj: ApiToken) -> str:
        return moment(obj.last_used_at) if obj.last_used_at else "never"
