from django.db import migrations

from lib.db_storage import stored_uncompressed


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0007_history_user_unconstrained"),
    ]

    operations = [
        stored_uncompressed("directory_contactimportfile", "content"),
    ]
