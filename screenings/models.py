import uuid

from django.conf import settings
from django.db import models

from directory.matching import Outcome
from lib.dates import day
from lib.jobs import Job
from lib.phone import E164_MAX_LENGTH
from lib.phone_lists import Layout

OUTCOME_WORDS = {
    Outcome.MATCH: "Match",
    Outcome.OUTSIDE_WINDOW: "Outside the window",
    Outcome.NO_MATCH: "No match",
    Outcome.INVALID: "Invalid",
    Outcome.DUPLICATE: "Repeat",
}
OUTCOME_CHOICES = list(OUTCOME_WORDS.items())


class Screening(Job):
    """One uploaded company phone list, matched on Celery workers in chunks (SPEC section 4)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="screenings")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    region = models.CharField(max_length=2)
    phone_column = models.CharField(max_length=200, blank=True)
    label_column = models.CharField(max_length=200, blank=True)
    layout = models.JSONField(default=dict, blank=True, help_text="The columns found at upload; the worker reads them.")
    monitor = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    charged_rows = models.PositiveIntegerField(default=0, help_text="Rows charged to the daily quota so far.")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life of the preparation.")
    prepare_attempts = models.PositiveIntegerField(default=0)

    class Meta(Job.Meta):
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self):
        return f"{self.filename} ({self.status_text})"

    @property
    def column_layout(self) -> Layout:
        """The columns found at upload, to name a result's column."""
        return Layout.from_dict(self.layout) if self.layout else Layout(has_header=False, phones=(0,))

    @property
    def status_text(self) -> str:
        """The status as every page words it: Queued, Running, Done, or Failed with the reason."""
        if self.status == self.Status.FAILED:
            return f"Failed: {self.error}" if self.error else "Failed"
        return self.get_status_display()

    @property
    def title(self) -> str:
        """A screening is named by its file and the day it was uploaded."""
        return f"{self.filename}, {day(self.created_at)}"

    @property
    def audit_detail(self) -> dict:
        """What an audit event about this screening keeps of it: its id, and its file and upload time, to
        name it in the audit log as pages do, even after it is deleted."""
        return {"screening": str(self.pk), "file": self.filename, "uploaded": self.created_at.isoformat()}

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class ScreeningDraft(models.Model):
    """An uploaded file shown to its uploader before any work starts (SPEC section 4).

    It costs no quota; it is deleted when the uploader starts the screening or cancels, and by the
    periodic purge an hour after upload when neither happened.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"Draft of {self.filename}"


class ScreeningUpload(models.Model):
    """The uploaded file, kept in the database (shared by every worker) only until it is split."""

    screening = models.OneToOneField(Screening, on_delete=models.CASCADE, related_name="upload")
    content = models.BinaryField()
    size = models.PositiveIntegerField()


class ScreeningChunk(models.Model):
    """A slice of the list's rows, processed by one task; done at most once.

    `content` holds the slice's rows as CSV text, cells split on `delimiter`, the first of them
    row `first_row` of the file (lib.list_parts: lines as the file has them, or rows written out
    again when the file needed reading as CSV or a spreadsheet).

    `first_numbers_packed`, `first_cells_packed` and `first_stored_packed` (result_store's packing)
    hold, in the same order, each number of the slice, the cell of its first valid occurrence there
    and whether that cell is stored as a result, for the file-wide duplicate pass. All of it goes
    when the screening ends.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    row_count = models.PositiveIntegerField()
    content = models.TextField()
    first_row = models.PositiveIntegerField(default=1)
    delimiter = models.CharField(max_length=1, default=",")
    first_numbers_packed = models.BinaryField(default=b"", blank=True)
    first_cells_packed = models.BinaryField(default=b"", blank=True)
    first_stored_packed = models.BinaryField(default=b"", blank=True)
    counts = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["screening", "index"]
        constraints = [models.UniqueConstraint(fields=["screening", "index"], name="unique_screening_chunk")]
        indexes = [models.Index(fields=["status", "started_at"])]


class ScreeningResult(models.Model):
    """One row of a screening whose outcome is not `no_match` (those are never stored)."""

    # What a result says of its row, in the order the stored rows and the API list it.
    ROW_FIELDS = ("row", "column", "input", "label", "e164", "outcome", "reason", "first_row")

    # No other index starts with the screening: unique (screening, row, column) serves every query by screening
    # (results are read in row order, filtered by outcome at most). With a second one, a planner that has
    # no statistics yet for a new screening's rows picks it for `row IN (...)` and reads every row.
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="results", db_index=False)
    chunk_index = models.PositiveIntegerField()
    row = models.PositiveIntegerField()
    column = models.PositiveSmallIntegerField(default=0, help_text="The file's column the number was in.")
    input = models.CharField(max_length=255)
    label = models.CharField(max_length=255, blank=True)
    e164 = models.CharField(max_length=E164_MAX_LENGTH, blank=True)
    outcome = models.CharField(max_length=16, choices=OUTCOME_CHOICES)
    reason = models.CharField(max_length=200, blank=True)
    first_row = models.PositiveIntegerField(null=True, blank=True, help_text="For a repeat: the row it repeats.")
    first_column = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence = models.JSONField(null=True, blank=True)
    detail = models.JSONField(
        null=True, blank=True, help_text="Outside the window: the window applied and the span of the contacts."
    )

    class Meta:
        ordering = ["screening", "row"]
        constraints = [models.UniqueConstraint(fields=["screening", "row", "column"], name="unique_screening_cell")]
        # The repeats of a cell, found when finalize learns that the cell repeats an earlier chunk's number.
        indexes = [
            models.Index(
                fields=["screening", "first_row", "first_column"],
                name="screening_repeats",
                condition=models.Q(first_row__isnull=False),
            )
        ]

    @property
    def no_longer_listed(self) -> bool:
        """A match or outside-window row whose number has since been put under review or removed."""
        still_listed = getattr(self, "still_listed", True)
        return self.outcome in ("match", "outside_window") and not still_listed


class Watch(models.Model):
    """A screening's numbers kept under watch; it outlives the screening's retention until someone stops it."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="watches")
    screening = models.ForeignKey(Screening, null=True, blank=True, on_delete=models.SET_NULL, related_name="watches")
    name = models.CharField(max_length=255, help_text="The screening's file name and date, kept after it expires.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["screening"], condition=models.Q(stopped_at__isnull=True), name="one_active_watch_per_screening"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.stopped_at is None


class WatchedNumber(models.Model):
    """A number under watch, stored only as its keyed hash, with the label and row it had in its list."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="numbers")
    number_hash = models.CharField(max_length=64, db_index=True)
    label = models.CharField(max_length=255, blank=True)
    row = models.PositiveIntegerField(null=True, blank=True)
    reviewed_through = models.DateTimeField(
        null=True, blank=True, help_text="Contacts up to this time were reviewed; only a newer one alerts again."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["watch", "number_hash"], name="unique_watched_number")]


class Alert(models.Model):
    """A new contact for a watched number, shown to the organization's hr and admins until reviewed."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="alerts")
    watched_number = models.ForeignKey(
        WatchedNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    contact = models.ForeignKey("directory.Contact", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "contact"], name="one_alert_per_contact")]
