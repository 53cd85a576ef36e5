from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import LOOKUP_ROLES
from directory import limits
from directory import statistics as stats
from directory.forms import LookupExportForm, LookupForm
from directory.lookups import lookup_numbers, record_lookup_export
from directory.matching import DISCLAIMER, outcome_counts


def limit_reached(request, error: limits.LimitExceeded):
    response = render(request, "directory/limit_reached.html", {"message": error.message}, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


@role_required(*LOOKUP_ROLES)
def lookup(request):
    """Look up one number or a pasted list; the results are shown once and not stored."""
    form = LookupForm(request.POST or None)
    context = {"form": form, "disclaimer": DISCLAIMER}
    if form.is_valid():
        try:
            results = lookup_numbers(
                membership=request.membership,
                inputs=form.cleaned_data["inputs"],
                region=form.cleaned_data["region"] or None,
                request=request,
            )
        except limits.LimitExceeded as error:
            return limit_reached(request, error)
        context.update(results=results, counts=outcome_counts(results))
    return render(request, "directory/lookup.html", context)


@require_POST
@role_required(*LOOKUP_ROLES)
def lookup_exported(request):
    """The lookup page calls this before it downloads or copies its results; 204 lets it go ahead."""
    form = LookupExportForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"detail": "Say how the results are exported and how many rows."}, status=400)
    record_lookup_export(membership=request.membership, request=request, **form.cleaned_data)
    return HttpResponse(status=204)


@staff_member_required
def statistics(request):
    """Staff only: contacts per month, operation and channel; disputes and organizations by status."""
    context = {
        **admin.site.each_context(request),
        "title": "Statistics",
        "per_month": stats.contacts_per_month(),
        "per_operation": stats.contacts_per_operation(),
        "per_channel": stats.contacts_per_channel(),
        "disputes": stats.disputes_by_status(),
        "open_disputes": stats.open_disputes(),
        "organizations": stats.organizations_by_status(),
    }
    return render(request, "admin/statistics.html", context)
