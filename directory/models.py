import uuid

from django.conf import settings
from django.db import models
from django.db.models import Lookup
from simple_history.models import HistoricalRecords

from lib.jobs import Job
from lib.phone import E164_MAX_LENGTH


@models.CharField.register_lookup
class AnyOf(Lookup):
    """`field__any_of=[...]`: like `__in`, for thousands of values at once.

    PostgreSQL gets the values sorted, as one comma-separated parameter split on the server:
    parsing a list of as many placeholders or an array literal takes twice the time of the
    index lookups themselves. Values holding a comma go as an array.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        values = sorted(self.rhs)
        if connection.vendor != "postgresql":
            return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]
        joined = ",".join(values)
        if joined.count(",") == len(values) - 1:
            return f"{lhs} = ANY(string_to_array(%s, ','))", [*params, joined]
        return f"{lhs} = ANY(%s)", [*params, values]


class Operation(models.Model):
    """One decoy-ad operation run with a partner agency in one jurisdiction."""

    name = models.CharField(max_length=200, unique=True)
    partner_agency = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=120, blank=True, help_text="State, province or county.")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 two-letter code.")
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True, help_text="Public description; shown to organizations.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on", "name"]

    def __str__(self):
        return self.name

    @property
    def jurisdiction(self) -> str:
        return ", ".join(part for part in (self.city, self.region, self.country) if part)


class ListedNumberQuerySet(models.QuerySet):
    def matchable(self):
        """Only `listed` numbers ever match; under review and removed never do."""
        return self.filter(status=ListedNumber.Status.LISTED)


class ListedNumber(models.Model):
    """One E.164 number that called or texted a decoy, with its contact summary."""

    class Status(models.TextChoices):
        LISTED = "listed", "Listed"
        UNDER_REVIEW = "under_review", "Under review"
        REMOVED = "removed", "Removed"

    # Compared byte by byte on PostgreSQL (migration 0009, lib.db_storage): altering this field resets that.
    e164 = models.CharField("number", max_length=E164_MAX_LENGTH)
    region = models.CharField(max_length=2, blank=True)
    number_type = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LISTED)
    status_reason = models.TextField(blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    # Not indexed: an import updates the summary of hundreds of thousands of numbers, each in place
    # (migration 0011) only while none of its indexed columns changes.
    last_contact_at = models.DateTimeField(null=True, blank=True)
    contact_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # A number's history is read by its id only; the other columns need no index there.
    history = HistoricalRecords(
        excluded_fields=["first_contact_at", "last_contact_at", "contact_count"],
        no_db_index=["e164", "region", "status"],
        user_db_constraint=False,
    )

    objects = ListedNumberQuerySet.as_manager()

    class Meta:
        ordering = ["e164"]
        # Every index is kept up to date by each number an import adds. The number is found by its
        # exact value only (no LIKE prefix index); the status index holds only the few numbers that
        # are not listed, those the curators' queues and filters ask for.
        constraints = [models.UniqueConstraint(fields=["e164"], name="unique_listed_number")]
        indexes = [
            models.Index(fields=["status"], name="number_not_listed", condition=~models.Q(status="listed")),
        ]

    def __str__(self):
        return self.e164


class Contact(models.Model):
    """One call or text from a listed number to a decoy during an operation."""

    class Channel(models.TextChoices):
        CALL = "call", "Call"
        TEXT = "text", "Text"

    # The unique constraint's index, (number, occurred_at, ...), serves every query by number: a number's
    # contacts in time order, its first and last. No other index starts with the number, so an import
    # keeps one index less up to date for every contact it writes.
    number = models.ForeignKey(ListedNumber, on_delete=models.CASCADE, related_name="contacts", db_index=False)
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="contacts")
    occurred_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    case_reference = models.CharField(max_length=120, blank=True, help_text="Internal only.")
    notes = models.TextField(blank=True, help_text="Internal only.")
    # Who recorded it, kept for the record: Django sets it to NULL when that user is deleted. No
    # database constraint: an import would check it on every contact it adds, for the same user.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # A contact's history is read by its id, and purged by date once a day (a scan is fine then).
    # Its user, like recorded_by, has no database constraint: an import writes a history row a contact.
    history = HistoricalRecords(
        no_db_index=["number", "operation", "occurred_at", "recorded_by"], user_db_constraint=False
    )

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "occurred_at", "channel", "operation"], name="unique_contact_event"
            )
        ]

    def __str__(self):
        return f"{self.get_channel_display()} from {self.number} at {self.occurred_at:%Y-%m-%d %H:%M}"


class ContactImport(Job):
    """A CSV file of contacts imported by Celery workers, batch by batch (SPEC section 2).

    The file is kept in the database (shared by every worker) only until the job ends. A long
    file's rows are shared into parts (ContactImportPart), each written by its own worker process.
    Each batch's contacts and its part of the per-row report are committed together, so a part
    whose worker died starts again after its last committed batch.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    create_operations = models.BooleanField(
        default=False, help_text="Operations named in the file but unknown are created (without dates)."
    )
    allow_outside_operation = models.BooleanField(
        default=False, help_text="Contacts dated outside their operation's dates are added, and flagged."
    )
    total_rows = models.PositiveIntegerField(null=True, blank=True, help_text="Estimated from the file's lines.")
    part_count = models.PositiveSmallIntegerField(default=1, help_text="Parts written side by side.")
    batch_rows = models.PositiveIntegerField(default=20_000, help_text="Rows of the file a batch covers.")

    def __str__(self):
        return f"{self.filename or 'contacts'} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)


class ContactImportFile(models.Model):
    """The uploaded file of an import, deleted when the job ends."""

    contact_import = models.OneToOneField(ContactImport, on_delete=models.CASCADE, related_name="upload")
    content = models.BinaryField()
    size = models.PositiveIntegerField()


class ContactImportPart(models.Model):
    """The rows of an import that one worker process writes: those of the numbers hashed to it.

    Every row of a number belongs to the same part, so two parts never touch the same number or
    contact and run side by side, and each writes its rows in file order: the report is the one a
    single process would give. A part is finished when it has read the whole file; `error` says
    why it could not read it to the end.
    """

    contact_import = models.ForeignKey(ContactImport, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveSmallIntegerField()
    # The part's task sends itself again after each slice; a part sent again because it seemed
    # stalled gets a new lease, and a task holding an older one stops: one chain of tasks a part.
    lease = models.UUIDField(default=uuid.uuid4)
    attempts = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last batch committed by its worker.")
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["contact_import", "number"]
        constraints = [models.UniqueConstraint(fields=["contact_import", "number"], name="unique_import_part")]


class ContactImportBatch(models.Model):
    """One committed batch of an import's part: what happened to each of the part's rows in it.

    Batch `index` covers the same lines of the file in every part. `report` holds one CSV line per
    reported row (row, outcome, number, message); `counts` the rows per outcome. A stored batch is
    done: a restarted part skips it.
    """

    contact_import = models.ForeignKey(ContactImport, on_delete=models.CASCADE, related_name="batches")
    index = models.PositiveIntegerField()
    part = models.PositiveSmallIntegerField(default=0)
    end_line = models.PositiveIntegerField(default=0, help_text="The file's line its last row ended on.")
    end_row = models.PositiveIntegerField(default=0, help_text="The row after its last: where the next batch starts.")
    report = models.TextField(blank=True)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["contact_import", "index", "part"]
        constraints = [
            models.UniqueConstraint(fields=["contact_import", "index", "part"], name="unique_import_part_batch")
        ]
