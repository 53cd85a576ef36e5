from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from lib.phone import E164_MAX_LENGTH


class Dispute(models.Model):
    """Someone says a number is listed in error; staff review it (SPEC section 5)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UNDER_REVIEW = "under_review", "Under review"
        REMOVED = "removed", "Resolved: number removed"
        RELISTED = "relisted", "Resolved: listing kept"
        NOT_LISTED = "not_listed", "Closed: number was not listed"

    e164 = models.CharField("number", max_length=E164_MAX_LENGTH, db_index=True)
    contact_email = models.EmailField()
    statement = models.TextField()
    held_since = models.DateField(null=True, blank=True, help_text="When the filer says they got the number.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolution_reason = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Dispute of {self.e164} ({self.get_status_display()})"


class PendingDispute(models.Model):
    """A dispute waiting for the code texted to its number; staff never see it (SPEC section 5).

    Only a keyed hash of the code is kept. The row goes when the right code files the dispute, and
    expired rows are purged whenever a new code is asked for.
    """

    e164 = models.CharField("number", max_length=E164_MAX_LENGTH)
    contact_email = models.EmailField()
    statement = models.TextField()
    held_since = models.DateField(null=True, blank=True)
    code_hash = models.CharField(max_length=64)
    wrong_codes = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"Pending dispute of {self.e164}"
