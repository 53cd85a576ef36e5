from django.db import migrations, models
from django.utils import timezone

UPGRADE_ERROR = "An upgrade of the service stopped this screening. Upload the file again."


def stop_running_screenings(apps, schema_editor):
    """Chunks change form here: a screening being matched during the upgrade ends as failed, its
    file, chunks and partial results deleted, rather than finishing with rows missing."""
    Screening = apps.get_model("screenings", "Screening")
    running = Screening.objects.filter(status="running")
    for name in ("ScreeningUpload", "ScreeningChunk", "ScreeningResult"):
        apps.get_model("screenings", name).objects.filter(screening__in=running).delete()
    running.update(status="failed", error=UPGRADE_ERROR, finished_at=timezone.now())


UNCOMPRESSED = {
    "screenings_screeningupload": ["content"],
    "screenings_screeningchunk": ["content", "first_rows", "first_numbers"],
}


def store_uncompressed(apps, schema_editor):
    """PostgreSQL compresses large values by default: for a 20 MB upload, or a chunk's rows, that is most
    of the INSERT's time. They live for minutes, so they are stored as they come."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in UNCOMPRESSED.items():
        for column in columns:
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTERNAL")


class Migration(migrations.Migration):
    dependencies = [
        ("screenings", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(stop_running_screenings, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="screeningchunk", name="rows"),
        migrations.RemoveField(model_name="screeningchunk", name="numbers"),
        migrations.AddField(
            model_name="screeningchunk",
            name="content",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="screeningchunk",
            name="first_rows",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="screeningchunk",
            name="first_numbers",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="screeningchunk",
            name="stored_first_rows",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(store_uncompressed, migrations.RunPython.noop, elidable=True),
    ]
