"""Watched numbers belong to their Watch alone: no link to a screening that may expire."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("screenings", "0009_existing_watched_numbers_into_watches")]

    operations = [
        migrations.RemoveConstraint(model_name="watchednumber", name="unique_watched_number"),
        migrations.RemoveField(model_name="watchednumber", name="organization"),
        migrations.RemoveField(model_name="watchednumber", name="screening"),
        migrations.RemoveField(model_name="alert", name="screening"),
        migrations.AlterField(
            model_name="watchednumber",
            name="watch",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="numbers", to="screenings.watch"
            ),
        ),
        migrations.AddConstraint(
            model_name="watchednumber",
            constraint=models.UniqueConstraint(fields=("watch", "number_hash"), name="unique_watched_number"),
        ),
    ]
