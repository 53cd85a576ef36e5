from django.http import HttpResponse
from django.shortcuts import render

from accounts.decorators import role_required
from accounts.roles import LOOKUP_ROLES, SCREENING_ROLES
from directory.matching import DISCLAIMER
from private_screening import setups
from private_screening.client_download import client_archive, client_version


@role_required(*LOOKUP_ROLES)
def private_screening(request):
    """How private screening works, what it protects and what not, and how to run the client."""
    context = {
        "setup": setups.current_setup(),
        "can_screen": request.membership.role in SCREENING_ROLES,
        "client_version": client_version(),
        "site_url": request.build_absolute_uri("/").rstrip("/"),
        "region": request.membership.organization.default_region,
        "disclaimer": DISCLAIMER,
    }
    return render(request, "private_screening/how_to.html", context)


@role_required(*LOOKUP_ROLES)
def client_download(request):
    filename, data = client_archive()
    response = HttpResponse(data, content_type="application/gzip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
