"""The private-screening set-up: the listed numbers, encrypted under the server's key, in shards."""

from django.db import models


class PrivateSetup(models.Model):
    """One version of the set-up message, built from the numbers listed at `directory_as_of`.

    `key_id` names the key it was built with: a set-up under another key is never served.
    `fingerprint` says which state of the directory it reflects, so an unchanged directory is not rebuilt.
    """

    class Status(models.TextChoices):
        BUILDING = "building", "being built"
        READY = "ready", "ready"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BUILDING)
    key_id = models.CharField(max_length=32)
    fingerprint = models.CharField(max_length=100)
    shard_count = models.PositiveIntegerField()
    client_capacity = models.PositiveIntegerField()
    false_positive_rate = models.FloatField()
    directory_as_of = models.DateTimeField()
    listed_count = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        get_latest_by = "pk"

    def __str__(self):
        return f"private set-up {self.pk} ({self.get_status_display()})"

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.key_id}"'


class SetupShard(models.Model):
    """The set-up message of the listed numbers in one shard; a worker claims it, builds it, stores it once."""

    setup = models.ForeignKey(PrivateSetup, on_delete=models.CASCADE, related_name="shards")
    index = models.PositiveIntegerField()
    message = models.BinaryField(null=True, blank=True)
    listed_count = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["setup", "index"], name="one_shard_per_index")]

    def __str__(self):
        return f"shard {self.index} of {self.setup_id}"
