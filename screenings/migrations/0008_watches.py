"""Watch lists: a Watch owns its watched numbers and outlives its screening; alerts are reviewed with a note."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("screenings", "0007_several_phone_columns_and_drafts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Watch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "name",
                    models.CharField(
                        help_text="The screening's file name and date, kept after it expires.", max_length=255
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("stopped_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="watches",
                        to="accounts.organization",
                    ),
                ),
                (
                    "screening",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="watches",
                        to="screenings.screening",
                    ),
                ),
                (
                    "stopped_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-created_at"]},
        ),
        migrations.AddConstraint(
            model_name="watch",
            constraint=models.UniqueConstraint(
                condition=models.Q(("stopped_at__isnull", True)),
                fields=("screening",),
                name="one_active_watch_per_screening",
            ),
        ),
        migrations.AddField(
            model_name="watchednumber",
            name="watch",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="numbers",
                to="screenings.watch",
            ),
        ),
        migrations.AddField(
            model_name="watchednumber", name="label", field=models.CharField(blank=True, max_length=255)
        ),
        migrations.AddField(
            model_name="watchednumber", name="row", field=models.PositiveIntegerField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="watchednumber",
            name="reviewed_through",
            field=models.DateTimeField(
                blank=True,
                help_text="Contacts up to this time were reviewed; only a newer one alerts again.",
                null=True,
            ),
        ),
        migrations.RenameField(model_name="alert", old_name="read_at", new_name="reviewed_at"),
        migrations.AddField(
            model_name="alert",
            name="watched_number",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="alerts",
                to="screenings.watchednumber",
            ),
        ),
        migrations.AddField(
            model_name="alert",
            name="reviewed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(model_name="alert", name="review_note", field=models.TextField(blank=True)),
    ]
