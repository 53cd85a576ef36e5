from django.contrib import admin

from screenings.models import Alert, Screening


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    """Staff see that screenings ran and how they ended; results stay with the organization."""

    list_display = ("id", "organization", "status", "total_rows", "processed_rows", "created_at", "finished_at")
    list_filter = ("status", "organization")
    fields = ("organization", "status", "total_rows", "processed_rows", "counts", "error", "created_at", "finished_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("organization", "created_at", "read_at")
    list_filter = ("organization",)
    readonly_fields = ("organization", "screening", "contact", "created_at", "read_at")

    def has_add_permission(self, request):
        return False
