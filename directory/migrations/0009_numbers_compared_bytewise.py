from django.db import migrations

from lib.db_storage import compared_bytewise


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0008_import_uploads_uncompressed"),
    ]

    operations = [
        compared_bytewise("directory_listednumber", "e164", "varchar(20)"),
    ]
