from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.roles import active_membership
from directory.limits import quota_use


def home(request):
    return render(request, "front/home.html")


def how_it_works(request):
    return render(request, "front/how_it_works.html")


@login_required
def dashboard(request):
    membership = active_membership(request.user)
    context = {"quota": quota_use(membership.organization)} if membership else {}
    return render(request, "front/dashboard.html", context)
