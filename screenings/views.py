from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
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
from lib.phone_lists import Columns
from screenings import list_template, monitoring, selectors, services
from screenings.exports import csv_response
from screenings.forms import ColumnsForm, UploadForm


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
