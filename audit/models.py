from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted")


class AuditEvent(models.Model):
    """One append-only record of who did what, when and from where.

    Phone numbers never appear here: `number_hash` holds their keyed hash. Deleting the actor or the
    organization leaves the row as it was: the references are plain ids without a database constraint
    (ids are never reused), and `actor_email_hash` keeps who it was without keeping the address.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_email_hash = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Keyed hash of the actor's email address."
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.who or 'system'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted")

    @property
    def who(self) -> str:
        """The actor's email while the account exists, else which deleted account it was."""
        if self.actor_id is None:
            return ""
        try:
            return self.actor.email if self.actor else f"deleted user #{self.actor_id}"
        except ObjectDoesNotExist:
            return f"deleted user #{self.actor_id}"
