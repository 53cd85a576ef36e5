"""What every background job of the site has: a status, progress and the times of its life."""

from django.db import models

# Every worker consumes both queues and takes from them in turn (CELERY_TASK_QUEUES): small jobs
# go to `interactive`, the parts of big ones to `bulk`, in tasks short enough to let the small by.
INTERACTIVE_QUEUE, BULK_QUEUE = "interactive", "bulk"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """A file worked through by Celery workers (a screening, a contact import), newest first."""

    Status = JobStatus

    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    processed_rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
