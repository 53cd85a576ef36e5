import pytest

from directory.models import ContactImport, ContactImportFile
from lib.bulk import insert_file, read_file

pytestmark = pytest.mark.django_db


def test_a_file_is_stored_byte_for_byte_whatever_bytes_it_holds(curator):
    """Uploads go to PostgreSQL through a binary COPY: NUL, backslashes, tabs and line breaks arrive as sent."""
    job = ContactImport.objects.create(created_by=curator, filename="contacts.csv")
    data = bytes(range(256)) * 3 + b"\\N\t\r\n\\\\x00"
    insert_file(ContactImportFile, contact_import=job, content=data, size=len(data))
    stored = ContactImportFile.objects.get(contact_import=job)
    assert (bytes(stored.content), stored.size) == (data, len(data))


def test_a_file_is_read_back_byte_for_byte_and_a_missing_one_is_none(curator):
    """Workers read uploads through a binary COPY on PostgreSQL: what was stored comes back, empty or not."""
    job, empty = (ContactImport.objects.create(created_by=curator) for _ in range(2))
    data = bytes(range(256)) * 3 + b"\\N\t\r\n\\\\x00"
    insert_file(ContactImportFile, contact_import=job, content=data, size=len(data))
    insert_file(ContactImportFile, contact_import=empty, content=b"", size=0)
    files = ContactImportFile.objects
    assert read_file(files.filter(contact_import=job), "content") == data
    assert read_file(files.filter(contact_import=empty), "content") == b""
    assert read_file(files.filter(contact_import=None), "content") is None
