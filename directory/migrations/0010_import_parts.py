import uuid

import django.db.models.deletion
from django.db import migrations, models

UNFINISHED = ("queued", "running")


def refuse_when_written_in_parts(apps, schema_editor):
    """Going back: batches were one a file's batch; those of an import written in parts would collide."""
    ContactImportBatch = apps.get_model("directory", "ContactImportBatch")
    if ContactImportBatch.objects.filter(part__gt=0).exists():
        raise RuntimeError("Contact imports were written in parts since: delete them before migrating back.")


def one_part_each(apps, schema_editor):
    """An import queued or running before parts existed is one part, with its attempts and heartbeat."""
    ContactImport = apps.get_model("directory", "ContactImport")
    ContactImportPart = apps.get_model("directory", "ContactImportPart")
    ContactImportPart.objects.bulk_create(
        ContactImportPart(contact_import=job, number=0, attempts=job.attempts, heartbeat_at=job.heartbeat_at)
        for job in ContactImport.objects.filter(status__in=UNFINISHED)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_numbers_compared_bytewise"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContactImportPart",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveSmallIntegerField()),
                ("lease", models.UUIDField(default=uuid.uuid4)),
                ("attempts", models.PositiveIntegerField(default=0)),
                (
                    "heartbeat_at",
                    models.DateTimeField(blank=True, help_text="Last batch committed by its worker.", null=True),
                ),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("error", models.TextField(blank=True)),
                (
                    "contact_import",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="parts",
                        to="directory.contactimport",
                    ),
                ),
            ],
            options={
                "ordering": ["contact_import", "number"],
                "constraints": [
                    models.UniqueConstraint(fields=("contact_import", "number"), name="unique_import_part")
                ],
            },
        ),
        migrations.RunPython(one_part_each, migrations.RunPython.noop),
        migrations.RemoveField(model_name="contactimport", name="attempts"),
        migrations.RemoveField(model_name="contactimport", name="heartbeat_at"),
        migrations.AddField(
            model_name="contactimport",
            name="part_count",
            field=models.PositiveSmallIntegerField(default=1, help_text="Parts written side by side."),
        ),
        migrations.AddField(
            model_name="contactimport",
            name="batch_rows",
            field=models.PositiveIntegerField(default=20000, help_text="Rows of the file a batch covers."),
        ),
        migrations.AlterModelOptions(
            name="contactimportbatch",
            options={"ordering": ["contact_import", "index", "part"]},
        ),
        migrations.RemoveConstraint(model_name="contactimportbatch", name="unique_import_batch"),
        migrations.AddField(
            model_name="contactimportbatch",
            name="part",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="contactimportbatch",
            name="end_line",
            field=models.PositiveIntegerField(default=0, help_text="The file's line its last row ended on."),
        ),
        migrations.AddField(
            model_name="contactimportbatch",
            name="end_row",
            field=models.PositiveIntegerField(
                default=0, help_text="The row after its last: where the next batch starts."
            ),
        ),
        migrations.AddConstraint(
            model_name="contactimportbatch",
            constraint=models.UniqueConstraint(
                fields=("contact_import", "index", "part"), name="unique_import_part_batch"
            ),
        ),
        # Last, so that going back checks first.
        migrations.RunPython(migrations.RunPython.noop, refuse_when_written_in_parts),
    ]
