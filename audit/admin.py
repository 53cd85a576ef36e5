from django.conf import settings
from django.contrib import admin

from audit.models import AuditEvent
from lib.hashing import number_hash
from lib.phone import normalize


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Staff read the whole log; nobody adds, changes or deletes through the admin."""

    list_display = ("created_at", "action", "actor_email", "organization", "ip_address", "number_hash")
    list_filter = ("action", "organization")
    search_fields = ("actor_email", "action", "number_hash")
    date_hierarchy = "created_at"
    list_select_related = ("organization",)

    def get_search_results(self, request, queryset, search_term):
        normalized = normalize(search_term, settings.DEFAULT_REGION)
        if normalized.e164:
            return queryset.filter(number_hash=number_hash(normalized.e164)), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
