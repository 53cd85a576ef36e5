from django.db import migrations, models
from django.utils import timezone

from lib.db_storage import stored_uncompressed

STOPPED = "This screening was stopped by an update of the service. Upload the file again."


def stop_split_screenings(apps, schema_editor):
    """Chunks stored on one side of this migration are read differently on the other (their rows, and
    their numbers' first cells): a screening that has chunks and has not ended (running, or queued
    again after its worker died while splitting it) is stopped, as a failed screening is (its file,
    chunks, results and watches deleted, the failure audited). The day's quota it was charged is kept."""
    screening_model = apps.get_model("screenings", "Screening")
    unended = screening_model.objects.exclude(status__in=["done", "failed"]).filter(chunks__isnull=False)
    stopped = list(screening_model.objects.filter(pk__in=unended.values("pk")))
    if not stopped:
        return
    ids = [screening.pk for screening in stopped]
    screening_model.objects.filter(pk__in=ids).update(status="failed", error=STOPPED, finished_at=timezone.now())
    for name in ("ScreeningUpload", "ScreeningChunk", "ScreeningResult", "Watch"):
        apps.get_model("screenings", name).objects.filter(screening_id__in=ids).delete()
    apps.get_model("audit", "AuditEvent").objects.bulk_create(
        apps.get_model("audit", "AuditEvent")(
            organization_id=screening.organization_id,
            action="screening.failed",
            detail={
                "screening": str(screening.pk),
                "file": screening.filename,
                "uploaded": screening.created_at.isoformat(),
                "error": STOPPED,
            },
        )
        for screening in stopped
    )


class Migration(migrations.Migration):
    dependencies = [
        ("screenings", "0015_uploads_and_chunks_uncompressed"),
        ("audit", "0002_actor_identity_outlives_the_account"),
    ]

    operations = [
        migrations.RunPython(stop_split_screenings, stop_split_screenings),
        migrations.AddField(
            model_name="screeningchunk",
            name="first_row",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="screeningchunk",
            name="delimiter",
            field=models.CharField(default=",", max_length=1),
        ),
        migrations.RemoveField(model_name="screeningchunk", name="first_rows"),
        migrations.RemoveField(model_name="screeningchunk", name="stored_first_rows"),
        migrations.AddField(
            model_name="screeningchunk",
            name="first_cells_packed",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.AddField(
            model_name="screeningchunk",
            name="first_stored_packed",
            field=models.BinaryField(blank=True, default=b""),
        ),
        stored_uncompressed("screenings_screeningchunk", "first_cells_packed"),
    ]
