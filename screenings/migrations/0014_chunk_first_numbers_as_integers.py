import sys
from array import array

from django.db import migrations, models


def numbers_to_integers(apps, schema_editor):
    """Chunks of screenings running during the upgrade keep their first numbers: their E.164 digits as
    unsigned 64-bit integers, little-endian."""
    ScreeningChunk = apps.get_model("screenings", "ScreeningChunk")
    for chunk in ScreeningChunk.objects.exclude(first_numbers_text="").iterator(chunk_size=100):
        numbers = array("Q", [int(e164[1:]) for e164 in chunk.first_numbers_text.split(",")])
        if sys.byteorder == "big":
            numbers.byteswap()
        chunk.first_numbers = numbers.tobytes()
        chunk.save(update_fields=["first_numbers"])


class Migration(migrations.Migration):
    dependencies = [
        ("screenings", "0013_result_repeats_index"),
    ]

    operations = [
        migrations.RenameField(model_name="screeningchunk", old_name="first_numbers", new_name="first_numbers_text"),
        migrations.AddField(
            model_name="screeningchunk",
            name="first_numbers",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.RunPython(numbers_to_integers, migrations.RunPython.noop),
        migrations.RemoveField(model_name="screeningchunk", name="first_numbers_text"),
    ]
