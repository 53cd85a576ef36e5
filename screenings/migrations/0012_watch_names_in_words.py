"""Watches named with the day written as ISO ("phones.csv, 2026-03-16") are named as every page writes
a day ("phones.csv, 16 Mar 2026"), like the watches made since."""

import re
from datetime import date

from django.db import migrations

from lib.dates import day

ISO_NAMED = re.compile(r"(?P<file>.*), (?P<day>\d{4}-\d{2}-\d{2})")


def name_in_words(apps, schema_editor):
    Watch = apps.get_model("screenings", "Watch")
    for watch in Watch.objects.only("name").iterator():
        named = ISO_NAMED.fullmatch(watch.name)
        if named:
            watch.name = f"{named['file']}, {day(date.fromisoformat(named['day']))}"
            watch.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("screenings", "0011_outcomes_in_words")]

    operations = [
        migrations.RunPython(name_in_words, migrations.RunPython.noop),
    ]
