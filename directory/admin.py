from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import DateFieldListFilter
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin

from directory import services
from directory.import_reports import ReportRows, report_csv_response
from directory.importing import create_uploaded_import
from directory.models import Contact, ContactImport, ListedNumber, Operation
from lib.admin_pages import action_reason_page
from lib.forms import NumberField
from lib.phone import normalize
from lib.tabular import UnreadableFile


class ListedNumberForm(forms.ModelForm):
    e164 = NumberField(label="Number", help_text="Any format; numbers without a country code are read as US.")

    class Meta:
        model = ListedNumber
        fields = ["e164", "status", "status_reason"]


class ContactForm(forms.ModelForm):
    """A contact a curator adds or changes here falls within its operation's dates, as imports check."""

    class Meta:
        model = Contact
        fields = ["number", "occurred_at", "channel", "operation", "case_reference", "notes"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and "occurred_at" not in self.changed_data:
            # The widget shows whole seconds: an untouched time keeps the fraction an import stored.
            cleaned["occurred_at"] = self.instance.occurred_at
        if cleaned.get("operation") and cleaned.get("occurred_at"):
            stored = self.instance if self.instance.pk else None
            try:
                services.check_contact_dates(
                    operation=cleaned["operation"], occurred_at=cleaned["occurred_at"], stored=stored
                )
            except services.DirectoryError as error:
                self.add_error("occurred_at", str(error))
        return cleaned


class ContactInline(admin.TabularInline):
    model = Contact
    form = ContactForm
    extra = 0
    fields = ("occurred_at", "channel", "operation", "case_reference", "notes", "recorded_by")
    readonly_fields = ("recorded_by",)
    autocomplete_fields = ("operation",)
    ordering = ("-occurred_at",)


class OperationListFilter(admin.SimpleListFilter):
    title = "operation"
    parameter_name = "operation"

    def lookups(self, request, model_admin):
        return Operation.objects.values_list("pk", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(contacts__operation_id=self.value()).distinct()
        return queryset


class RemoveWithReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept with the number's history.")


def numbers_search(queryset, search_term: str):
    """Search by number in any format: the term is normalized, then matched exactly."""
    normalized = normalize(search_term, settings.DEFAULT_REGION)
    if normalized.is_valid:
        return queryset.filter(e164=normalized.e164)
    digits = "".join(ch for ch in search_term if ch.isdigit())
    return queryset.filter(e164__contains=digits) if digits else queryset.none()


@admin.register(ListedNumber)
class ListedNumberAdmin(SimpleHistoryAdmin):
    form = ListedNumberForm
    list_display = ("e164", "status", "region", "number_type", "contact_count", "first_contact_at", "last_contact_at")
    list_filter = (
        "status",
        "region",
        OperationListFilter,
        ("last_contact_at", DateFieldListFilter),
        ("first_contact_at", DateFieldListFilter),
    )
    search_fields = ("e164",)
    search_help_text = "Type a number in any format, e.g. (206) 555-0123."
    readonly_fields = ("region", "number_type", "first_contact_at", "last_contact_at", "contact_count")
    inlines = [ContactInline]
    actions = ["mark_under_review", "remove_with_reason", "relist"]
    history_list_display = ("status", "status_reason")

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return numbers_search(queryset, search_term), False

    def save_model(self, request, obj, form, change):
        if not change:
            services.add_number(number=obj, request=request)
            return
        status_changed = "status" in form.changed_data or "status_reason" in form.changed_data
        if status_changed:
            try:
                services.set_number_status(number=obj, status=obj.status, reason=obj.status_reason, request=request)
            except services.DirectoryError as error:
                messages.error(request, str(error))
        else:
            obj.save()

    def save_formset(self, request, form, formset, change):
        contacts = formset.save(commit=False)
        services.delete_contacts(contacts=formset.deleted_objects, request=request)
        for contact in contacts:
            services.save_contact(contact=contact, request=request, actor=request.user)

    def _set_status(self, request, queryset, status, reason=""):
        for number in queryset:
            services.set_number_status(number=number, status=status, reason=reason, request=request)
        self.message_user(request, f"{queryset.count()} number(s) now {status.replace('_', ' ')}.")

    @admin.action(description="Mark under review (stops matching)")
    def mark_under_review(self, request, queryset):
        self._set_status(request, queryset, ListedNumber.Status.UNDER_REVIEW)

    @admin.action(description="Relist (matches again)")
    def relist(self, request, queryset):
        self._set_status(request, queryset, ListedNumber.Status.LISTED)

    @admin.action(description="Remove with a reason…")
    def remove_with_reason(self, request, queryset):
        form = RemoveWithReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            self._set_status(request, queryset, ListedNumber.Status.REMOVED, form.cleaned_data["reason"])
            return None
        count = queryset.count()
        return action_reason_page(
            self,
            request,
            queryset,
            form,
            action="remove_with_reason",
            title=f"Remove {count} number{pluralize(count)} from the directory",
            intro="Removed numbers never match again unless a curator relists them. "
            "The reason is kept in each number's history.",
            items=[number.e164 for number in queryset],
            button="Remove",
        )


@admin.register(Operation)
class OperationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "partner_agency", "city", "region", "country", "started_on", "ended_on")
    list_filter = ("country", "partner_agency")
    search_fields = ("name", "partner_agency", "city")
    date_hierarchy = "started_on"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.record_operation_change(operation=obj, created=not change, request=request)


REJECTED_SHOWN = 100


class ContactImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with the columns number, occurred_at, channel, operation.")
    create_operations = forms.BooleanField(
        required=False,
        label="Create operations the file names that do not exist yet",
        help_text="Otherwise their rows are rejected as an unknown operation. New operations have no dates.",
    )
    allow_outside_operation = forms.BooleanField(
        required=False,
        label="Accept contacts dated outside their operation's dates",
        help_text="Otherwise such rows are rejected; accepted, each is flagged in the report.",
    )


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    form = ContactForm
    list_display = ("number", "occurred_at", "channel", "operation", "recorded_by")
    list_filter = ("channel", "operation", ("occurred_at", DateFieldListFilter))
    list_select_related = ("number", "operation", "recorded_by")
    search_fields = ("number__e164",)
    autocomplete_fields = ("operation",)
    raw_id_fields = ("number",)
    readonly_fields = ("recorded_by",)
    date_hierarchy = "occurred_at"
    change_list_template = "admin/directory/contact/change_list.html"

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        numbers = numbers_search(ListedNumber.objects.all(), search_term)
        return queryset.filter(number__in=numbers), False

    def save_model(self, request, obj, form, change):
        services.save_contact(contact=obj, request=request, actor=request.user)

    def delete_model(self, request, obj):
        services.delete_contacts(contacts=[obj], request=request)

    def delete_queryset(self, request, queryset):
        services.delete_contacts(contacts=queryset.select_related("number"), request=request)

    def get_urls(self):
        view = self.admin_site.admin_view
        extra = [
            path("import/", view(self.import_view), name="directory_contact_import"),
            path("import/<uuid:pk>/", view(self.import_status_view), name="directory_contact_import_status"),
            path(
                "import/<uuid:pk>/progress/",
                view(self.import_progress_view),
                name="directory_contact_import_progress",
            ),
            path("import/<uuid:pk>/report.csv", view(self.import_report_view), name="directory_contact_import_report"),
        ]
        return extra + super().get_urls()

    def import_view(self, request):
        """The upload form; the import is queued and the curator follows it on its own page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ContactImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                contact_import = create_uploaded_import(form.cleaned_data, actor=request.user, request=request)
            except UnreadableFile as error:
                form.add_error("file", str(error))
            else:
                return redirect("admin:directory_contact_import_status", pk=contact_import.pk)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form}
        return TemplateResponse(request, "admin/directory/contact/import.html", {**context, "title": "Import contacts"})

    def _import(self, request, pk) -> ContactImport:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return get_object_or_404(ContactImport, pk=pk)

    def import_status_view(self, request, pk):
        """Progress while the workers import the file, then the counts and the first rejected rows."""
        contact_import = self._import(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Import of {contact_import.filename or 'contacts'}",
            "job": contact_import,
            "rejected": ReportRows(contact_import, "rejected")[:REJECTED_SHOWN],
            "rejected_shown": REJECTED_SHOWN,
        }
        return TemplateResponse(request, "admin/directory/contact/import_status.html", context)

    def import_progress_view(self, request, pk):
        """What the status page's progress bar polls."""
        contact_import = self._import(request, pk)
        return JsonResponse(
            {
                "status": contact_import.get_status_display(),
                "processed": contact_import.processed_rows,
                "total": contact_import.total_rows,
                "percent": contact_import.percent,
                "finished": contact_import.is_finished,
            }
        )

    def import_report_view(self, request, pk):
        return report_csv_response(self._import(request, pk), request)
