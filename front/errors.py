"""The site's error pages: 400, 403, 404 and 500, each with the navigation and a next step.

A refused member learns which role the page needs and who in their organization has it. Under /api/,
api.middleware.JsonErrorsMiddleware answers JSON instead.
The 500 page is rendered without the request, so it needs no database and no context processor.
"""

from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from accounts.models import Membership
from accounts.roles import ADMIN_ROLES, active_membership
from accounts.selectors import organization_members

PAGE_PURPOSES = {
    "screenings:new": "Uploading a phone list",
    "screenings:delete": "Deleting a screening",
}


@requires_csrf_token
def bad_request(request, exception=None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None) -> HttpResponse:
    membership = active_membership(request.user)
    context = {}
    if membership is not None:
        roles = _roles_of_page(request) or ADMIN_ROLES
        match = getattr(request, "resolver_match", None)
        context = {
            "purpose": PAGE_PURPOSES.get(match.view_name if match else "", "This page"),
            "needed_roles": [Membership.Role(role).label for role in roles],
            "who_may": organization_members(membership.organization).filter(role__in=roles),
        }
    return render(request, "errors/403.html", context, status=403)


@requires_csrf_token
def page_not_found(request, exception=None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request) -> HttpResponse:
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def _roles_of_page(request) -> tuple[str, ...]:
    """The roles the refused page lets in (set by accounts.decorators.role_required)."""
    match = getattr(request, "resolver_match", None)
    return getattr(match.func, "allowed_roles", ()) if match else ()
