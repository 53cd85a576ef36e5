from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.roles import active_membership
from front import statistics as stats
from lib.limits import quota_use
from screenings.monitoring import unread_alerts
from screenings.selectors import organization_screenings


def home(request):
    return render(request, "front/home.html")


def how_it_works(request):
    return render(request, "front/how_it_works.html")


@login_required
def dashboard(request):
    """Recent screenings, unread alerts (admins) and today's quota use of the member's organization."""
    membership = active_membership(request.user)
    if membership is None:
        return render(request, "front/dashboard.html")
    organization = membership.organization
    context = {
        "quota": quota_use(organization),
        "screenings": organization_screenings(organization)[:5],
        "alerts": unread_alerts(organization)[:5] if membership.is_admin else None,
    }
    return render(request, "front/dashboard.html", context)


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
