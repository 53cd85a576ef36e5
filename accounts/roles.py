"""Who may do what: the one place the product's role rules live (SPEC section 1)."""

from accounts.models import Membership

LOOKUP_ROLES = (Membership.Role.LEGAL, Membership.Role.HR, Membership.Role.ADMIN)
SCREENING_ROLES = (Membership.Role.HR, Membership.Role.ADMIN)
ADMIN_ROLES = (Membership.Role.ADMIN,)


def active_membership(user) -> Membership | None:
    """The user's membership if it is in an approved organization, else None."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    return user.active_membership


def has_role(user, roles) -> bool:
    membership = active_membership(user)
    return membership is not None and membership.role in roles


def is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)
