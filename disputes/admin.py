from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from simple_history.admin import SimpleHistoryAdmin

from disputes import services
from disputes.models import Dispute


class ResolutionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Sent to the filer and kept in history."
    )


@admin.register(Dispute)
class DisputeAdmin(SimpleHistoryAdmin):
    """The staff dispute queue: accept for review, then remove (with a reason) or keep the listing."""

    list_display = ("e164", "status", "created_at", "held_since", "reviewed_by", "resolved_at")
    list_filter = ("status",)
    search_fields = ("e164", "contact_email")
    readonly_fields = (
        "e164",
        "contact_email",
        "statement",
        "held_since",
        "status",
        "resolution_reason",
        "reviewed_by",
        "created_at",
        "resolved_at",
    )
    actions = ["accept_for_review", "resolve_removed", "resolve_relisted"]
    ordering = ("status", "created_at")

    def has_add_permission(self, request):
        return False

    def _each(self, request, queryset, step, **kwargs):
        for dispute in queryset:
            try:
                step(dispute=dispute, request=request, **kwargs)
            except services.DisputeError as error:
                self.message_user(request, f"{dispute}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{dispute.e164}: {dispute.get_status_display()}.")

    @admin.action(description="Accept for review (the number stops matching)")
    def accept_for_review(self, request, queryset):
        self._each(request, queryset, services.accept_for_review)

    @admin.action(description="Resolve: keep the listing (number matches again)")
    def resolve_relisted(self, request, queryset):
        self._each(request, queryset, services.resolve, remove=False)

    @admin.action(description="Resolve: remove the number, with a reason…")
    def resolve_removed(self, request, queryset):
        form = ResolutionForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            self._each(request, queryset, services.resolve, remove=True, reason=form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "disputes": queryset,
            "opts": self.model._meta,
            "action": "resolve_removed",
        }
        return render(request, "admin/disputes/resolve_removed.html", context)
