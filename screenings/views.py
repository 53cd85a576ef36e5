from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.decorators import role_required
from accounts.roles import ADMIN_ROLES, LOOKUP_ROLES, SCREENING_ROLES
from accounts.views import ask_first
from audit.services import record_event
from directory.matching import DISCLAIMER
from lib.http import limit_reached
from lib.limits import LimitExceeded
from lib.phone_lists import PREVIEW_ROWS
from lib.tabular import UnreadableFile, all_rows
from screenings import monitoring, selectors, services
from screenings.exports import csv_response
from screenings.forms import ScreeningForm


def _screening(request, pk):
    return get_object_or_404(selectors.organization_screenings(request.membership.organization), pk=pk)


@role_required(*LOOKUP_ROLES)
def screening_list(request):
    page = Paginator(selectors.organization_screenings(request.membership.organization), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "screenings/list.html", {"page": page})


@role_required(*SCREENING_ROLES)
def screening_new(request):
    form = ScreeningForm(request.POST or None, request.FILES or None)
    if not form.is_valid():
        return render(request, "screenings/new.html", {"form": form})
    upload = form.cleaned_data["file"]
    data = b""
    try:
        data = services.read_upload(upload)
        screening = services.create_screening(
            membership=request.membership,
            filename=upload.name,
            data=data,
            phone_column=form.cleaned_data["phone_column"],
            label_column=form.cleaned_data["label_column"],
            region=form.cleaned_data["region"],
            monitor=form.cleaned_data["monitor"],
            request=request,
        )
    except LimitExceeded as error:
        return limit_reached(request, error)
    except services.ScreeningRejected as error:
        form.add_error("file", error.message)
        preview = preview_of(data) if data and error.status == 400 else None
        return render(request, "screenings/new.html", {"form": form, "preview": preview}, status=error.status)
    return redirect("screenings:detail", pk=screening.pk)


def preview_of(data: bytes) -> list[list[str]] | None:
    """The first rows, so a person can see which column holds the numbers."""
    try:
        return [cells for _, cells in zip(range(PREVIEW_ROWS + 1), all_rows(data), strict=False)]
    except UnreadableFile:
        return None


@role_required(*LOOKUP_ROLES)
def screening_detail(request, pk):
    screening = _screening(request, pk)
    outcome = request.GET.get("outcome", "")
    context = {
        "screening": screening,
        "outcomes": selectors.RESULT_OUTCOMES,
        "outcome": outcome,
        "disclaimer": DISCLAIMER,
    }
    if screening.status == screening.Status.DONE:
        results = selectors.screening_results(screening, outcome if outcome in selectors.RESULT_OUTCOMES else "")
        context["page"] = Paginator(results, 100).get_page(request.GET.get("page"))
        record_event(action="screening.results_viewed", request=request, detail={"screening": str(screening.pk)})
    return render(request, "screenings/detail.html", context)


@role_required(*LOOKUP_ROLES)
def screening_status(request, pk):
    """Progress for the detail page's progress bar (polled while the job runs)."""
    screening = _screening(request, pk)
    return JsonResponse(
        {
            "status": screening.status,
            "processed": screening.processed_rows,
            "total": screening.total_rows,
            "percent": screening.percent,
            "finished": screening.is_finished,
        }
    )


@role_required(*LOOKUP_ROLES)
def screening_csv(request, pk):
    return csv_response(request, _screening(request, pk), request.GET.get("outcome", ""))


@role_required(*SCREENING_ROLES)
def screening_delete(request, pk):
    """Asks first (GET shows the question), deletes on POST."""
    screening = _screening(request, pk)
    if request.method != "POST":
        return ask_first(
            request,
            title="Delete this screening?",
            text=f"The results of {screening.filename} are deleted for good, for everyone in your organization. "
            "The audit log keeps a record that you deleted them.",
            button="Delete screening",
            cancel_url=reverse("screenings:detail", args=[screening.pk]),
        )
    services.delete_screening(screening=screening, request=request)
    messages.success(request, f"Screening of {screening.filename} deleted with its results.")
    return redirect("screenings:list")


@role_required(*ADMIN_ROLES)
def alerts(request):
    organization = request.membership.organization
    unread = list(monitoring.unread_alerts(organization))
    if request.method == "POST":
        monitoring.unread_alerts(organization).update(read_at=timezone.now())
        return redirect("screenings:alerts")
    record_event(action="monitoring.alerts_viewed", request=request)
    return render(request, "screenings/alerts.html", {"alerts": unread, "disclaimer": DISCLAIMER})
