from django.db import migrations, models
from django.utils import timezone

from lib.db_storage import stored_uncompressed

STOPPED = "This screening was stopped by an update of the service. Upload the file again."


def stop_split_screenings(apps, schema_editor):
    """Chunks stored on one side of this migration are read differently on the other (their rows, and
    their numbers' first cells): a running screening that has chunks is stopped, as a failed screening
    is (its file, chunks, results and watches deleted)."""
    screening_model = apps.get_model("screenings", "Screening")
    running = screening_model.objects.filter(status="running", chunks__isnull=False)
    stopped = list(running.values_list("pk", flat=True).distinct())
    if not stopped:
        return
    screening_model.objects.filter(pk__in=stopped).update(status="failed", error=STOPPED, finished_at=timezone.now())
    for name in ("ScreeningUpload", "ScreeningChunk", "ScreeningResult", "Watch"):
        apps.get_model("screenings", name).objects.filter(screening_id__in=stopped).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("screenings", "0015_uploads_and_chunks_uncompressed"),
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
