from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import LOOKUP_ROLES
from audit.services import record_event
from directory.exports import lookup_export_rows, results_workbook, xlsx_download
from directory.forms import EvidenceReportForm, LookupExportForm, LookupForm
from directory.lookups import lookup_numbers, record_lookup_export
from directory.matching import DISCLAIMER, MatchInput, MatchResult, Outcome, outcome_counts
from lib.http import limit_reached
from lib.limits import LimitExceeded
from lib.result_files import EXPORT_COLUMNS, text_cells


@role_required(*LOOKUP_ROLES)
def lookup(request):
    """Look up one number or a pasted list; the results are shown once and not stored."""
    form = LookupForm(request.POST or None)
    context = {"form": form, "disclaimer": DISCLAIMER}
    if form.is_valid():
        try:
            results = _look_up(request, form)
        except LimitExceeded as error:
            return limit_reached(request, error)
        context.update(
            results=results,
            counts=outcome_counts(results),
            export_columns=EXPORT_COLUMNS,
            export_rows=[text_cells(cells) for cells in lookup_export_rows(results)],
            region=form.cleaned_data["region"] or request.membership.organization.default_region,
        )
    return render(request, "directory/lookup.html", context)


def _look_up(request, form: LookupForm) -> list[MatchResult]:
    return lookup_numbers(
        membership=request.membership,
        inputs=form.cleaned_data["inputs"],
        region=form.cleaned_data["region"] or None,
        request=request,
    )


@require_POST
@role_required(*LOOKUP_ROLES)
def lookup_xlsx(request):
    """The lookup's results as XLSX, in the columns a screening exports.

    Lookup results are not stored, so the page sends the numbers again and they are checked
    again (counted and audited like any lookup); the download is an audited export.
    """
    form = LookupForm(request.POST)
    if not form.is_valid():
        return render(request, "directory/lookup.html", {"form": form, "disclaimer": DISCLAIMER}, status=400)
    try:
        results = _look_up(request, form)
    except LimitExceeded as error:
        return limit_reached(request, error)
    record_event(action="lookup.exported", request=request, detail={"format": "xlsx", "rows": len(results)})
    about = [
        ("Lookup results from the Accountability Directory",),
        (DISCLAIMER,),
        ("Checked", timezone.localdate()),
    ]
    return xlsx_download(results_workbook(about, lookup_export_rows(results)), "lookup-results.xlsx")


@require_POST
@role_required(*LOOKUP_ROLES)
def evidence_report(request):
    """The printable report of one looked-up match.

    Lookup results are not stored, so the number is checked again: the report shows the directory
    as it is now (a number put under review since is no longer a match), and the check counts
    against the limits and is audited like any lookup. Opening the report is an audited export.
    """
    form = EvidenceReportForm(request.POST)
    if not form.is_valid():
        return render(request, "directory/lookup.html", {"form": LookupForm(), "disclaimer": DISCLAIMER}, status=400)
    item = MatchInput(form.cleaned_data["number"], form.cleaned_data["assigned_from"], form.cleaned_data["assigned_to"])
    try:
        [result] = lookup_numbers(
            membership=request.membership, inputs=[item], region=form.cleaned_data["region"] or None, request=request
        )
    except LimitExceeded as error:
        return limit_reached(request, error)
    if result.outcome != Outcome.MATCH:
        return render(request, "directory/evidence_none.html", {"result": result}, status=404)
    event = record_event(action="lookup.evidence_report", request=request, number=result.e164, detail={"how": "lookup"})
    context = {
        "e164": result.e164,
        "evidence": result.evidence,
        "source": f"Lookup of {item.raw}",
        "checked_at": event.created_at,
        "event": event,
        "back": reverse("directory:lookup"),
        "disclaimer": DISCLAIMER,
        "dispute_url": request.build_absolute_uri(reverse("disputes:new")),
    }
    return render(request, "directory/evidence_report.html", context)


@require_POST
@role_required(*LOOKUP_ROLES)
def lookup_exported(request):
    """The lookup page calls this before it downloads or copies its results; 204 lets it go ahead."""
    form = LookupExportForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"detail": "Say how the results are exported and how many rows."}, status=400)
    record_lookup_export(membership=request.membership, request=request, **form.cleaned_data)
    return HttpResponse(status=204)
