from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from accounts import services
from accounts.models import ApiKey, Invitation, Membership, Organization, OrganizationDomain, User

admin.site.unregister(APIKey)

# Tables that keep the site running rather than the directory: lockouts, second factors, groups.
INTERNAL_TABLES = [
    "auth.Group",
    "axes.AccessAttempt",
    "axes.AccessFailureLog",
    "axes.AccessLog",
    "otp_static.StaticDevice",
    "otp_totp.TOTPDevice",
]


class SuperusersOnly:
    """An internal table: superusers see and change it; curators do not, even with a permission on it,
    so the admin index shows them their work only."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def keep_for_superusers(label: str) -> None:
    """Register a third-party table's admin again, for superusers only."""
    model = apps.get_model(label)
    model_admin = type(admin.site.get_model_admin(model))
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (SuperusersOnly, model_admin), {}))


for label in INTERNAL_TABLES:
    keep_for_superusers(label)


@admin.register(User)
class UserAdmin(SuperusersOnly, DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "last_login")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class DomainInline(admin.TabularInline):
    model = OrganizationDomain
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "default_region", "daily_lookup_quota", "daily_screening_row_quota", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "domains__domain", "requester_email")
    inlines = [DomainInline, MembershipInline]
    readonly_fields = ("status", "approved_at", "created_at")
    actions = ["approve", "suspend", "reject", "reinstate"]

    @admin.action(description="Approve and invite the requester as first admin")
    def approve(self, request, queryset):
        for organization in queryset.exclude(status=Organization.Status.APPROVED):
            invitation = services.approve_organization(organization=organization, request=request)
            sent = f"; invitation sent to {invitation.email}" if invitation else ""
            self.message_user(request, f"{organization} approved{sent}.", messages.SUCCESS)

    @admin.action(description="Suspend (blocks every member and API key at once)")
    def suspend(self, request, queryset):
        self._set_status(request, queryset, Organization.Status.SUSPENDED)

    @admin.action(description="Reject the access request")
    def reject(self, request, queryset):
        self._set_status(request, queryset.filter(status=Organization.Status.PENDING), Organization.Status.REJECTED)

    @admin.action(description="Reinstate a suspended organization")
    def reinstate(self, request, queryset):
        self._set_status(request, queryset.filter(status=Organization.Status.SUSPENDED), Organization.Status.APPROVED)

    def _set_status(self, request, queryset, status):
        for organization in queryset:
            services.set_organization_status(organization=organization, status=status, request=request)
        self.message_user(request, f"{queryset.count()} organization(s) now {status}.")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("role", "organization")
    search_fields = ("email",)
    exclude = ("token_hash",)
    readonly_fields = ("organization", "email", "role", "invited_by", "expires_at", "accepted_at", "revoked_at")

    def has_add_permission(self, request):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(SuperusersOnly, APIKeyModelAdmin):
    list_display = (*APIKeyModelAdmin.list_display, "user")
    raw_id_fields = ("user",)
