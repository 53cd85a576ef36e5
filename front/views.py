from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def home(request):
    return render(request, "front/home.html")


def how_it_works(request):
    return render(request, "front/how_it_works.html")


@login_required
def dashboard(request):
    return render(request, "front/dashboard.html")
