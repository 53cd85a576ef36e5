import pytest
from django.core.management import CommandError, call_command

import directory.importing
from audit.models import AuditEvent
from directory.models import Contact, ListedNumber, Operation
from lib.tabular import UnreadableFile
from tests.factories import ListedNumberFactory

pytestmark = pytest.mark.django_db

HEADER = "number,occurred_at,channel,operation\n"


def csv_bytes(*lines: str, encoding="utf-8") -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode(encoding)


def import_contacts(data: bytes, **options):
    """The file imported as the sample directory is: its operations are created."""
    return directory.importing.import_contacts(data, create_operations=True, **options)


def test_sample_directory_imports_once(samples):
    data = (samples / "contacts.csv").read_bytes()
    first = import_contacts(data)
    assert first.counts == {"added": 1022, "skipped": 0, "rejected": 6}
    numbers, contacts = ListedNumber.objects.count(), Contact.objects.count()

    second = import_contacts(data)

    assert second.counts == {"added": 0, "skipped": 1022, "rejected": 6}
    assert (ListedNumber.objects.count(), Contact.objects.count()) == (numbers, contacts)


def test_the_same_number_in_other_formats_is_one_listed_number():
    import_contacts(
        csv_bytes(
            "+12062264011,2023-08-26T13:38:00+00:00,call,Op A",
            "(206) 226-4011,2024-02-02T00:45:00+00:00,text,Op B",
            "+1 206-226-4011,2024-05-27T16:26:00Z,call,Op A",
        )
    )
    number = ListedNumber.objects.get()
    assert number.e164 == "+12062264011"
    assert number.contact_count == 3
    assert number.first_contact_at.isoformat() == "2023-08-26T13:38:00+00:00"
    assert number.last_contact_at.isoformat() == "2024-05-27T16:26:00+00:00"
    assert set(Operation.objects.values_list("name", flat=True)) == {"Op A", "Op B"}


def test_bad_rows_are_reported_with_their_spreadsheet_row_and_the_rest_goes_on():
    report = import_contacts(
        csv_bytes(
            "2.06555E+09,2023-08-26T13:38:00+00:00,call,Op A",
            "+12062264011,yesterday,call,Op A",
            "+12062264011,2023-08-26T13:38:00,call,Op A",
            "+12062264011,2023-08-26T13:38:00+00:00,fax,Op A",
            "+12062264011,2023-08-26T13:38:00+00:00,call,",
            "+12062264011,2023-08-26T13:38:00+00:00,CALL,Op A",
        )
    )
    outcomes = [(row.row, row.outcome) for row in report.rows]
    assert outcomes == [
        (2, "rejected"),
        (3, "rejected"),
        (4, "rejected"),
        (5, "rejected"),
        (6, "rejected"),
        (7, "added"),
    ]
    messages = [row.message for row in report.rows[:5]]
    assert "not a phone number" in messages[0]
    assert "not an ISO 8601" in messages[1]
    assert "no time zone" in messages[2]
    assert "call or text" in messages[3]
    assert "operation is empty" in messages[4]


def test_a_file_with_a_missing_column_gets_one_clear_message():
    with pytest.raises(UnreadableFile, match="no column named channel"):
        import_contacts(b"number,occurred_at,operation\n+12062264011,2023-08-26T13:38:00+00:00,Op\n")
    assert Contact.objects.count() == 0


def test_a_file_that_is_not_utf8_gets_one_clear_message():
    with pytest.raises(UnreadableFile, match="not UTF-8"):
        import_contacts(csv_bytes("+12062264011,2023-08-26T13:38:00+00:00,call,Op\xe9", encoding="latin-1"))


def test_utf16_and_bom_files_import():
    report = import_contacts(b"\xef\xbb\xbf" + csv_bytes("+12062264011,2023-08-26T13:38:00+00:00,call,Op"))
    assert report.counts["added"] == 1
    report = import_contacts(csv_bytes("+12062264012,2023-08-26T13:38:00+00:00,call,Op", encoding="utf-16"))
    assert report.counts["added"] == 1


def test_an_empty_file_is_refused():
    with pytest.raises(UnreadableFile, match="empty"):
        import_contacts(b"")


def test_a_removed_number_stays_removed_and_the_report_says_so():
    ListedNumberFactory(e164="+12062264011", status=ListedNumber.Status.REMOVED, status_reason="disputed")
    report = import_contacts(csv_bytes("+12062264011,2023-08-26T13:38:00+00:00,call,Op"))
    assert report.rows[0].outcome == "added"
    assert "removed" in report.rows[0].message
    assert ListedNumber.objects.get().status == ListedNumber.Status.REMOVED


def test_import_is_audited_without_numbers():
    import_contacts(csv_bytes("+12062264011,2023-08-26T13:38:00+00:00,call,Op"), filename="x.csv")
    event = AuditEvent.objects.get(action="directory.contacts_imported")
    assert event.detail == {"file": "x.csv", "added": 1, "skipped": 0, "rejected": 0}


def test_management_command_prints_a_report(samples, capsys):
    call_command("import_contacts", str(samples / "contacts.csv"), "--wait", "--create-operations")
    out = capsys.readouterr().out
    assert "1022 added, 0 skipped as already present, 6 rejected" in out
    assert "row 1021: rejected" in out


def test_management_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_contacts", str(tmp_path / "nope.csv"))
