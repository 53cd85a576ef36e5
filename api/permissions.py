"""DRF permission classes; each asks accounts.roles, where the rules live."""

from rest_framework.permissions import BasePermission, DjangoModelPermissions

from accounts.roles import LOOKUP_ROLES, SCREENING_ROLES, has_role, is_staff


class StaffModelPermissions(DjangoModelPermissions):
    """Site staff holding the Django model permission the admin asks for the same act.

    Reading needs `view` (or `change`, which lets the admin show a record too), creating `add` and
    editing `change`, on the model of the view's queryset; a superuser holds them all.
    """

    message = "Only site staff with the matching permission in the admin may do this."
    perms_map = {
        **DjangoModelPermissions.perms_map,
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "GET": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not is_staff(request.user):
            return False
        if super().has_permission(request, view):
            return True
        return request.method in ("GET", "HEAD", "OPTIONS") and self._may_change(request, view)

    def _may_change(self, request, view) -> bool:
        model = self._queryset(view).model
        return request.user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}")


class CanLookUp(BasePermission):
    message = "Only members of an approved organization may look up numbers."

    def has_permission(self, request, view):
        return has_role(request.user, LOOKUP_ROLES)


class CanScreen(BasePermission):
    message = "Only HR and admin members may upload or delete screenings."

    def has_permission(self, request, view):
        return has_role(request.user, SCREENING_ROLES)
