import pytest

from directory.models import ContactImport, ContactImportFile
from lib.bulk import insert_file

pytestmark = pytest.mark.django_db


def test_a_file_is_stored_byte_for_byte_whatever_bytes_it_holds(curator):
    """Uploads go to PostgreSQL through a binary COPY: NUL, backslashes, tabs and line breaks arrive as sent."""
    job = ContactImport.objects.create(created_by=curator, filename="contacts.csv")
    data = bytes(range(256)) * 3 + b"\\N\t\r\n\\\\x00"
    insert_file(ContactImportFile, contact_import=job, content=data, size=len(data))
    stored = ContactImportFile.objects.get(contact_import=job)
    assert (bytes(stored.content), stored.size) == (data, len(data))
