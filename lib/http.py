"""What every page answers when a limit is reached."""

from django.shortcuts import render

from lib.limits import LimitExceeded


def limit_reached(request, error: LimitExceeded):
    """The 429 page with the limit's plain message and Retry-After."""
    response = render(request, "limit_reached.html", {"message": error.message}, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response
