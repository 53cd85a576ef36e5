"""Audit events for log-ins and log-outs, and the count of failures, from Django's own authentication signals."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import record_event
from lib import limits


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    record_event(action="auth.login", request=request, actor=user)


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(action="auth.logout", request=request, actor=user)


@receiver(user_login_failed)
def log_login_failure(sender, credentials, request=None, **kwargs):
    record_event(action="auth.login_failed", request=request, detail={"email": credentials.get("username", "")})


@receiver(user_login_failed)
def count_login_failure(sender, credentials, request=None, **kwargs):
    """Counted per user name from every address, for the soft throttle in accounts.backends."""
    if credentials.get("username"):
        limits.count_login_failure(credentials["username"], window=int(settings.AXES_COOLOFF_TIME * 3600))
