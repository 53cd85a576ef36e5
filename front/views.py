from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.roles import active_membership
from directory.limits import quota_use
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
