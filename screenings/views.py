from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import LOOKUP_ROLES, SCREENING_ROLES
from audit.services import record_event
from directory.matching import DISCLAIMER, Outcome
from lib.confirm import ask_first
from lib.http import limit_reached
from lib.limits import LimitExceeded
from lib.phone_lists import Columns
from screenings import list_template, monitoring, selectors, services
from screenings.exports import csv_response, xlsx_response
from screenings.forms import AlertReviewForm, ColumnsForm, UploadForm
from screenings.questions import screening_deletion


def _screening(request, pk):
    return get_object_or_404(selectors.organization_screenings(request.membership.organization), pk=pk)


@role_required(*LOOKUP_ROLES)
def screening_list(request):
    page = Paginator(selectors.organization_screenings(request.membership.organization), 25).get_page(
        request.GET.get("page")
    )
    for screening in page:
        if screening.status == screening.Status.RUNNING:
            screening.progress_text = selectors.screening_progress(screening).text
    return render(request, "screenings/list.html", {"page": page})


@role_required(*SCREENING_ROLES)
def screening_new(request):
    """Step one: the file is kept, not yet read by any worker, and shown on the next page."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if not form.is_valid():
        return render(request, "screenings/new.html", {"form": form})
    upload = form.cleaned_data["file"]
    try:
        draft = services.create_draft(
            membership=request.membership, filename=upload.name, data=services.read_upload(upload), request=request
        )
    except services.ScreeningRejected as error:
        form.add_error("file", error.message)
        return render(request, "screenings/new.html", {"form": form}, status=error.status)
    return redirect("screenings:confirm", pk=draft.pk)


@role_required(*SCREENING_ROLES)
def screening_confirm(request, pk):
    """Step two: the first rows, the columns found and the region; the uploader changes what is wrong,
    then starts the screening, or cancels (the file is deleted either way)."""
    draft = get_object_or_404(selectors.member_drafts(request.membership), pk=pk)
    if request.POST.get("action") == "cancel":
        services.cancel_draft(draft=draft, request=request)
        messages.success(request, f"{draft.filename} was deleted; nothing was screened.")
        return redirect("screenings:new")
    region = request.POST.get("region") or request.membership.organization.default_region
    try:
        detected = services.inspect_draft(draft, region, Columns())
    except services.ScreeningRejected as error:
        services.cancel_draft(draft=draft, request=request)
        return render(request, "screenings/new.html", {"form": UploadForm(), "error": error.message}, status=400)
    form = ColumnsForm(
        request.POST or None, layout=detected.layout, initial=ColumnsForm.initial_for(detected.layout, region)
    )
    if request.POST.get("action") == "start" and form.is_valid():
        try:
            screening = services.start_draft(
                draft=draft,
                membership=request.membership,
                columns=form.columns(),
                region=form.cleaned_data["region"],
                monitor=form.cleaned_data["monitor"],
                request=request,
            )
        except LimitExceeded as error:
            return limit_reached(request, error)
        except services.DraftExpired as error:
            messages.error(request, error.message)
            return redirect("screenings:new")
        except services.ScreeningRejected as error:
            form.add_error(None, error.message)
        else:
            return redirect("screenings:detail", pk=screening.pk)
    context = {"draft": draft, "form": form, "inspection": detected, "layout": detected.layout}
    return render(request, "screenings/confirm.html", context)


TEMPLATE_TYPES = {
    "csv": ("text/csv; charset=utf-8", list_template.csv_template),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", list_template.xlsx_template),
}


@role_required(*SCREENING_ROLES)
def screening_template(request, kind: str):
    """A phone list with the columns the product understands, to fill in."""
    if kind not in TEMPLATE_TYPES:
        raise Http404
    content_type, make = TEMPLATE_TYPES[kind]
    response = HttpResponse(make(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="phone-list-template.{kind}"'
    return response


RESULTS_PER_PAGE = 50
# The summary cards, in the order HR reads them; rows with no match are never stored, so that card only counts.
CARDS = [
    (Outcome.MATCH, "Match"),
    (Outcome.OUTSIDE_WINDOW, "Outside the window"),
    (Outcome.INVALID, "Invalid"),
    (Outcome.DUPLICATE, "Repeats"),
    (Outcome.NO_MATCH, "No match"),
]


def _table_options(query) -> dict:
    """The results table's outcome filter, sort and search, from the query string; anything unknown is ignored."""
    outcome = query.get("outcome", "")
    sort = query.get("sort", "row")
    return {
        "outcome": outcome if outcome in selectors.RESULT_OUTCOMES else "",
        "sort": sort if sort.removeprefix("-") in selectors.RESULT_SORTS else "row",
        "search": query.get("q", "").strip()[:100],
    }


def _cards(screening, outcome: str) -> list[dict]:
    counts = screening.counts or {}
    return [
        {
            "outcome": key,
            "words": words,
            "count": counts.get(key, 0),
            "filters": key != Outcome.NO_MATCH,
            "active": key == outcome,
        }
        for key, words in CARDS
    ]


@role_required(*LOOKUP_ROLES)
def screening_detail(request, pk):
    screening = _screening(request, pk)
    options = _table_options(request.GET)
    context = {
        "screening": screening,
        "progress": selectors.screening_progress(screening),
        "watch": screening.watches.filter(stopped_at__isnull=True).first(),
        "deletion": screening_deletion(screening),
        "disclaimer": DISCLAIMER,
        **options,
    }
    if screening.status == screening.Status.DONE:
        results = selectors.screening_results(
            screening, options["outcome"], search=options["search"], sort=options["sort"]
        )
        context["page"] = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        context["cards"] = _cards(screening, options["outcome"])
        context["sorts"] = SORT_COLUMNS
        record_event(action="screening.results_viewed", request=request, detail=screening.audit_detail)
    return render(request, "screenings/detail.html", context)


# The table's sortable columns: (sort key, heading).
SORT_COLUMNS = [("row", "Row"), ("number", "Number"), ("label", "Label"), ("outcome", "Outcome")]


@role_required(*LOOKUP_ROLES)
def screening_status(request, pk):
    """Progress for the detail page's progress bar (polled while the job runs)."""
    screening = _screening(request, pk)
    return JsonResponse(selectors.screening_progress(screening).as_dict(screening.is_finished))


@role_required(*LOOKUP_ROLES)
def screening_csv(request, pk):
    return csv_response(request, _screening(request, pk), _table_options(request.GET)["outcome"])


@role_required(*LOOKUP_ROLES)
def screening_xlsx(request, pk):
    return xlsx_response(request, _screening(request, pk), _table_options(request.GET)["outcome"])


@role_required(*LOOKUP_ROLES)
def evidence_report(request, pk, row):
    """A printable report of one matched row; opening it is an audited export."""
    screening = _screening(request, pk)
    matches = screening.results.filter(row=row, outcome=Outcome.MATCH).order_by("column")
    column = request.GET.get("column", "")
    result = (matches.filter(column=int(column)) if column.isdigit() else matches).first()
    if result is None:
        raise Http404
    event = record_event(
        action="screening.evidence_report",
        request=request,
        number=result.e164,
        detail={**screening.audit_detail, "row": row},
    )
    context = {
        "e164": result.e164,
        "evidence": result.evidence,
        "source": f"Row {result.row:,} of the screening of {screening.title}",
        "label": result.label,
        "checked_at": screening.finished_at,
        "event": event,
        "back": reverse("screenings:detail", args=[screening.pk]) + "?" + urlencode({"q": result.e164}),
        "disclaimer": DISCLAIMER,
        "dispute_url": request.build_absolute_uri(reverse("disputes:new")),
    }
    return render(request, "directory/evidence_report.html", context)


@role_required(*SCREENING_ROLES)
def screening_delete(request, pk):
    """Asks first (GET shows the question), deletes on POST."""
    screening = _screening(request, pk)
    if request.method != "POST":
        back = reverse("screenings:detail", args=[screening.pk])
        return ask_first(request, screening_deletion(screening), cancel_url=back)
    services.delete_screening(screening=screening, request=request)
    messages.success(request, f"Screening of {screening.filename} deleted with its results.")
    return redirect("screenings:list")


@require_POST
@role_required(*SCREENING_ROLES)
def watch_start(request, pk):
    screening = _screening(request, pk)
    try:
        watch = monitoring.start_watch(screening=screening, membership=request.membership, request=request)
    except monitoring.WatchRefused as error:
        messages.error(request, error.message)
        return redirect("screenings:detail", pk=screening.pk)
    messages.success(request, f"{watch.numbers.count():,} numbers of {watch.name} are now under watch.")
    return redirect("screenings:watches")


@require_POST
@role_required(*SCREENING_ROLES)
def watch_stop(request, pk):
    watch = get_object_or_404(monitoring.organization_watches(request.membership.organization), pk=pk)
    try:
        monitoring.stop_watch(watch=watch, membership=request.membership, request=request)
    except monitoring.WatchRefused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Stopped watching {watch.name}.")
    return redirect("screenings:watches")


@role_required(*SCREENING_ROLES)
def watches(request):
    organization = request.membership.organization
    context = {
        "watches": monitoring.organization_watches(organization),
        "unwatched": selectors.unwatched_screenings(organization)[:20],
    }
    return render(request, "screenings/watches.html", context)


@role_required(*SCREENING_ROLES)
def alerts(request):
    organization = request.membership.organization
    record_event(action="monitoring.alerts_viewed", request=request)
    context = {
        "alerts": list(monitoring.unread_alerts(organization)),
        "reviewed": list(monitoring.reviewed_alerts(organization)[:20]),
        "disclaimer": DISCLAIMER,
    }
    return render(request, "screenings/alerts.html", context)


@require_POST
@role_required(*SCREENING_ROLES)
def alert_review(request, pk):
    alert = get_object_or_404(monitoring.unread_alerts(request.membership.organization), pk=pk)
    form = AlertReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a note of at most 2,000 characters.")
        return redirect("screenings:alerts")
    try:
        monitoring.review_alert(
            alert=alert, membership=request.membership, note=form.cleaned_data["note"], request=request
        )
    except monitoring.WatchRefused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Alert marked as reviewed.")
    return redirect("screenings:alerts")
