from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.roles import active_membership


def role_required(*roles):
    """A page for members of an approved organization with one of these roles.

    Anonymous visitors go to the log-in page; everyone else who may not gets 403.
    The view finds the membership on `request.membership`.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = active_membership(request.user)
            if membership is None or membership.role not in roles:
                raise PermissionDenied
            request.membership = membership
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = roles  # the 403 page names who in the organization may
        return wrapper

    return decorator
