from django.db import migrations, models

from lib.db_storage import with_room_for_updates


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0010_import_parts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="listednumber",
            name="last_contact_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        with_room_for_updates("directory_listednumber", 90),
    ]
