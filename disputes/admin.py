from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from disputes import selectors, services
from disputes.models import Dispute
from lib.admin_pages import action_reason_page

DECISIONS = {"remove": True, "keep": False}


class ResolutionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Sent to the filer and kept in history."
    )


@admin.register(Dispute)
class DisputeAdmin(SimpleHistoryAdmin):
    """The dispute desk. The queue shows disputes still waiting first, the oldest at the top. A dispute's
    page shows the number, its contacts, the filer's statement and the history, with the two steps staff
    take: accept for review, then resolve (remove with a reason, or keep). Every step is a service that
    audits it; the page itself changes nothing, and disputes are never deleted (see has_delete_permission).
    """

    list_display = ("e164", "status", "waiting", "filed", "held_since")
    list_filter = ("status",)
    search_fields = ("e164", "contact_email")
    actions = ["accept_for_review", "resolve_removed", "resolve_relisted"]
    change_form_template = "admin/disputes/dispute/change_form.html"

    def get_ordering(self, request):
        waiting_first = Case(When(status__in=selectors.WAITING, then=Value(0)), default=Value(1))
        return [waiting_first.asc(), "created_at"]

    @admin.display(description="Time")
    def waiting(self, dispute):
        return selectors.waiting_time(dispute)

    @admin.display(description="Filed", ordering="created_at")
    def filed(self, dispute):
        return dispute.created_at

    def changelist_view(self, request, extra_context=None):
        title = "Dispute desk: the disputes still waiting come first, the oldest at the top"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        """A dispute is the record of what a filer asked and what staff decided, and one under review
        holds its number out of matching: deleting it would leave that number with nothing to resolve."""
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A dispute changes only through the desk's steps, each audited; its page is for reading."""
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET"])
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        number = selectors.number_on_file(obj)
        context.update(
            title=f"Dispute of {obj.e164}",
            subtitle=None,
            dispute=obj,
            waiting=selectors.waiting_time(obj),
            number=number,
            contacts=selectors.number_contacts(number),
            history=selectors.dispute_history(obj),
            can_decide=self.has_change_permission(request, obj),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        desk = [
            path(
                "<path:object_id>/accept/", self.admin_site.admin_view(self.accept_view), name="disputes_dispute_accept"
            ),
            path(
                "<path:object_id>/resolve/",
                self.admin_site.admin_view(self.resolve_view),
                name="disputes_dispute_resolve",
            ),
        ]
        return desk + super().get_urls()

    def _decidable(self, request, object_id) -> Dispute:
        dispute = self.get_object(request, unquote(object_id))
        if dispute is None:
            raise Http404("No such dispute.")
        if not self.has_change_permission(request, dispute):
            raise PermissionDenied
        return dispute

    def _attempt(self, request, dispute, step, **kwargs) -> None:
        try:
            step(dispute=dispute, request=request, **kwargs)
        except services.DisputeError as error:
            self.message_user(request, f"{dispute.e164}: {error}", messages.ERROR)
        else:
            self.message_user(request, f"{dispute.e164}: {dispute.get_status_display()}.", messages.SUCCESS)

    def _each(self, request, queryset, step, **kwargs):
        for dispute in queryset:
            self._attempt(request, dispute, step, **kwargs)

    def accept_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        dispute = self._decidable(request, object_id)
        self._attempt(request, dispute, services.accept_for_review)
        return redirect(reverse("admin:disputes_dispute_change", args=[dispute.pk]))

    def resolve_view(self, request, object_id):
        """Remove the number (a reason is required) or keep the listing (a note to the filer is optional)."""
        if request.method != "POST" or request.POST.get("decision") not in DECISIONS:
            return HttpResponseNotAllowed(["POST"])
        dispute = self._decidable(request, object_id)
        remove = DECISIONS[request.POST["decision"]]
        self._attempt(request, dispute, services.resolve, remove=remove, reason=request.POST.get("reason", ""))
        return redirect(reverse("admin:disputes_dispute_change", args=[dispute.pk]))

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
        return action_reason_page(
            self,
            request,
            queryset,
            form,
            action="resolve_removed",
            title=f"Remove the disputed number{pluralize(queryset.count())}",
            items=[f"{dispute.e164} — {Truncator(dispute.statement).words(30)}" for dispute in queryset],
            button="Remove and tell the filer",
        )
