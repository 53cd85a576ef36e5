from django.shortcuts import render

from accounts.decorators import role_required
from accounts.roles import LOOKUP_ROLES
from directory import limits
from directory.forms import LookupForm
from directory.lookups import lookup_numbers
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
