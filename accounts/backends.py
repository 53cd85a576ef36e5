"""A soft throttle on user names: a delay before each log-in check, never a refusal.

django-axes locks an address, and a (user name, address) pair, after LOGIN_FAILURE_LIMIT
failures. It no longer locks a user name everywhere, since then anyone who knows an address
could keep its owner out. A user name that keeps failing from many addresses is slowed instead:
every log-in for it waits a little longer, the right password from anywhere still gets in.
"""

import time

from django.conf import settings

from lib import limits

MAX_DELAY_SECONDS = 3


def login_delay(username: str) -> int:
    """One second per failure past the lock-out limit, from any address, within the lock-out time."""
    return min(max(0, limits.login_failures(username) - settings.AXES_FAILURE_LIMIT), MAX_DELAY_SECONDS)


class SlowDownBackend:
    """Authenticates nobody; it waits before the next backend checks the password.

    It comes after the axes backend, so a locked-out address is refused at once and cannot use
    the delay to hold the server's workers. It has no `get_user`: no session is ever its own.
    """

    def authenticate(self, request, username=None, **credentials):
        if username:
            time.sleep(login_delay(username))
        return None
