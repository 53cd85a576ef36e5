import csv

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.roles import active_membership
from audit.services import record_event
from front import statistics as stats
from front.charts import draw
from lib.limits import quota_use
from lib.result_files import escape_formula
from screenings.monitoring import unread_alerts
from screenings.selectors import organization_screenings


def home(request):
    return render(request, "front/home.html")


def how_it_works(request):
    return render(request, "front/how_it_works.html")


@login_required
def dashboard(request):
    """Recent screenings, how many alerts wait for review (hr and admins) and today's quota use of the
    member's organization."""
    membership = active_membership(request.user)
    if membership is None:
        return render(request, "front/dashboard.html")
    organization = membership.organization
    context = {
        "quota": quota_use(organization),
        "screenings": organization_screenings(organization)[:5],
        "unread_alerts": unread_alerts(organization).count() if membership.can_screen else None,
    }
    return render(request, "front/dashboard.html", context)


@staff_member_required
def statistics(request):
    """Staff only: the directory, disputes, organizations and activity as charts, each with its
    table, and each downloadable as CSV (`?format=csv&chart=<slug>`, an audited export)."""
    wait = stats.dispute_wait()
    charts = stats.all_charts(wait)
    if request.GET.get("format") == "csv":
        return chart_csv(request, charts, request.GET.get("chart", ""))
    context = {
        **admin.site.each_context(request),
        "title": "Statistics",
        "wait": wait,
        "charts": [(chart, draw(chart)) for chart in charts],
    }
    return render(request, "admin/statistics.html", context)


def chart_csv(request, charts: list[stats.Chart], slug: str) -> HttpResponse:
    chart = next((chart for chart in charts if chart.slug == slug), None)
    if chart is None:
        raise Http404("There is no chart of that name.")
    record_event(action="statistics.exported", request=request, detail={"chart": slug})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
    writer = csv.writer(response)
    writer.writerow([chart.category, chart.measure])
    writer.writerows([escape_formula(label), value] for label, value in chart.points)
    return response
