"""Who may do what: the one place the product's role rules live (SPEC section 1).

It imports no model, so that `accounts.models` can ask it too.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import Membership

LEGAL, HR, ADMIN = "legal", "hr", "admin"

LOOKUP_ROLES = (LEGAL, HR, ADMIN)
SCREENING_ROLES = (HR, ADMIN)
ADMIN_ROLES = (ADMIN,)


def active_membership(user) -> "Membership | None":
    """The user's membership if it is in an approved organization, else None."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    return user.active_membership


def has_role(user, roles) -> bool:
    membership = active_membership(user)
    return membership is not None and membership.role in roles


def is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


# What site staff who curate may do, as Django model permissions (app, codename; None: all of the app's):
# the directory, disputes, organizations' approval and the audit log; not users, keys or internal tables.
CURATION_PERMISSIONS = [
    ("directory", None),
    ("disputes", None),
    ("accounts", "view_organization"),
    ("accounts", "change_organization"),
    ("accounts", "view_invitation"),
    ("audit", "view_auditevent"),
]
