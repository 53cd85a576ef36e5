from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import LOOKUP_ROLES
from directory.forms import LookupExportForm, LookupForm
from directory.lookups import lookup_numbers, record_lookup_export
from directory.matching import DISCLAIMER, outcome_counts
from lib.http import limit_reached
from lib.limits import LimitExceeded


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
        except LimitExceeded as error:
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
