from django.shortcuts import render

from accounts.decorators import role_required
from accounts.roles import LOOKUP_ROLES
from directory.forms import LookupForm
from directory.lookups import lookup_numbers
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
