import sys
from array import array

from django.db import migrations, models


def numbers_to_integers(apps, schema_editor):
    """Chunks of screenings running during the upgrade keep their first numbers: their E.164 digits as
    unsigned 64-bit integers, little-endian."""
    ScreeningChunk = apps.get_model("screenings", "ScreeningChunk")
    for chunk in ScreeningChunk.objects.exclude(first_numbers="").iterator(chunk_size=100):
        numbers = array("Q", [int(e164[1:]) for e164 in chunk.first_numbers.split(",")])
        if sys.byteorder == "big":
            numbers.byteswap()
        chunk.first_numbers_packed = numbers.tobytes()
        chunk.save(update_fields=["first_numbers_packed"])


class Migration(migrations.Migration):
    """The integers get a column of their own and the text's goes: a worker of the previous release
    still finishing a chunk cannot save it and stops that screening with a message (upload again),
    where writing its text into a binary column of the same name would have been read back as wrong
    numbers."""

    dependencies = [
        ("screenings", "0013_result_repeats_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="screeningchunk",
            name="first_numbers_packed",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.RunPython(numbers_to_integers, migrations.RunPython.noop),
        migrations.RemoveField(model_name="screeningchunk", name="first_numbers"),
    ]
