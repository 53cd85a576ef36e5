from accounts.roles import active_membership


def membership(request):
    """The signed-in member's approved membership, for navigation and role checks in templates."""
    user = getattr(request, "user", None)
    return {"membership": active_membership(user) if user is not None else None}
