from django.contrib import admin

from screenings import services
from screenings.models import Alert, Screening


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    """Staff see that screenings ran and how they ended; results stay with the organization.

    Deleting one, or several with the bulk action, goes through the service so each is audited.
    """

    list_display = ("id", "organization", "status_words", "total_rows", "processed_rows", "created_at", "finished_at")
    list_filter = ("status", "organization")
    fields = ("organization", "status", "total_rows", "processed_rows", "counts", "error", "created_at", "finished_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Status", ordering="status")
    def status_words(self, screening):
        return screening.status_text

    def delete_model(self, request, obj):
        services.delete_screening(screening=obj, request=request)

    def delete_queryset(self, request, queryset):
        for screening in queryset:
            services.delete_screening(screening=screening, request=request)


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("organization", "created_at", "reviewed_at")
    list_filter = ("organization",)
    readonly_fields = (
        "organization",
        "watched_number",
        "contact",
        "created_at",
        "reviewed_at",
        "reviewed_by",
        "review_note",
    )

    def has_add_permission(self, request):
        return False
