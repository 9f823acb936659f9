from django.contrib import admin

from .models import ApiToken, Membership, Organisation, ParticipantIdentifier


class IdentifierInline(admin.TabularInline):
    model = ParticipantIdentifier
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug", "identifiers__value"]
    inlines = [IdentifierInline]


@admin.register(ParticipantIdentifier)
class ParticipantIdentifierAdmin(admin.ModelAdmin):
    list_display = ["scheme", "value", "organisation"]
    search_fields = ["value", "organisation__name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "organisation", "scope", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["token_hash", "prefix", "created_at", "last_used_at"]
