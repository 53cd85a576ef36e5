"""DRF permission classes; each asks accounts.roles, where the rules live."""

from rest_framework.permissions import BasePermission

from accounts.roles import LOOKUP_ROLES, SCREENING_ROLES, has_role, is_staff


class IsStaff(BasePermission):
    message = "Only site staff may use this endpoint."

    def has_permission(self, request, view):
        return is_staff(request.user)


class CanLookUp(BasePermission):
    message = "Only members of an approved organization may look up numbers."

    def has_permission(self, request, view):
        return has_role(request.user, LOOKUP_ROLES)


class CanScreen(BasePermission):
    message = "Only HR and admin members may upload or delete screenings."

    def has_permission(self, request, view):
        return has_role(request.user, SCREENING_ROLES)
