"""Existing watched numbers get one Watch per screening they came from, with the label and row their
number had among the screening's stored results (a number without a stored row keeps neither).
"""

from django.db import migrations

from lib.hashing import number_hash


def group_into_watches(apps, schema_editor):
    Watch = apps.get_model("screenings", "Watch")
    WatchedNumber = apps.get_model("screenings", "WatchedNumber")
    Screening = apps.get_model("screenings", "Screening")
    Alert = apps.get_model("screenings", "Alert")
    screening_ids = WatchedNumber.objects.values_list("screening_id", flat=True).distinct()
    for screening in Screening.objects.filter(pk__in=screening_ids):
        watch = Watch.objects.create(
            organization_id=screening.organization_id,
            screening=screening,
            name=f"{screening.filename}, {screening.created_at:%Y-%m-%d}",
            created_by_id=screening.created_by_id,
        )
        Watch.objects.filter(pk=watch.pk).update(created_at=screening.created_at)
        rows = {}
        for row, label, e164 in screening.results.exclude(e164="").order_by("-row").values_list("row", "label", "e164"):
            rows[number_hash(e164)] = (row, label)
        for watched in WatchedNumber.objects.filter(screening=screening):
            watched.watch = watch
            watched.row, watched.label = rows.get(watched.number_hash, (None, ""))
            watched.save(update_fields=["watch", "row", "label"])
        for alert in Alert.objects.filter(screening=screening).select_related("contact__number"):
            alert.watched_number = WatchedNumber.objects.filter(
                watch=watch, number_hash=number_hash(alert.contact.number.e164)
            ).first()
            alert.save(update_fields=["watched_number"])


class Migration(migrations.Migration):
    dependencies = [("screenings", "0008_watches")]

    operations = [
        migrations.RunPython(group_into_watches, migrations.RunPython.noop),
    ]
