"""Audit events for log-ins and log-outs, from Django's own authentication signals."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import record_event


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
