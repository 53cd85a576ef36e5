import pytest
from django.core import mail

from audit.models import AuditEvent
from directory.phone import number_hash
from directory.services import create_contact
from screenings import services
from screenings.models import Alert, Screening, ScreeningChunk, ScreeningResult, ScreeningUpload, WatchedNumber
from tests.factories import ListedNumberFactory, OperationFactory

pytestmark = pytest.mark.django_db

SAMPLE_LISTS = ["plain_utf8.csv", "excel_bom_semicolon.csv", "windows.csv", "sheet.xlsx"]


def stored_rows(screening):
    return {r.row: r for r in ScreeningResult.objects.filter(screening=screening)}


@pytest.mark.parametrize("chunk_rows", [20_000, 37])
@pytest.mark.parametrize("name", SAMPLE_LISTS)
def test_sample_lists_get_the_expected_outcome_on_every_row(
    directory, expected, samples, screen, hr, settings, name, chunk_rows
):
    settings.SCREENING_CHUNK_ROWS = chunk_rows  # 37: duplicates across chunks are found too
    screening = screen(hr.membership, (samples / "lists" / name).read_bytes(), filename=name)
    assert screening.status == Screening.Status.DONE, screening.error
    rows = expected[name]["rows"]
    stored = stored_rows(screening)
    for position, want in enumerate(rows):
        row = position + 2
        got = stored.get(row)
        outcome = got.outcome if got else "no_match"
        assert outcome == want["outcome"], f"row {row}"
        if got:
            assert (got.e164 or None) == want["e164"], f"row {row}"
            assert got.label == expected[name]["labels"][position]
    counts = {outcome: sum(1 for r in rows if r["outcome"] == outcome) for outcome in screening.counts}
    assert screening.counts == counts
    assert (screening.total_rows, screening.processed_rows) == (len(rows), len(rows))
    assert not ScreeningResult.objects.filter(screening=screening, outcome="no_match").exists()


def test_the_upload_and_chunks_are_gone_when_the_job_ends(directory, samples, screen, hr):
    screening = screen(hr.membership, (samples / "lists" / "plain_utf8.csv").read_bytes())
    assert not ScreeningUpload.objects.filter(screening=screening).exists()
    assert not ScreeningChunk.objects.filter(screening=screening).exists()


def test_a_chunk_run_twice_gives_the_same_results(directory, samples, hr, settings, django_capture_on_commit_callbacks):
    settings.SCREENING_CHUNK_ROWS = 100
    settings.CELERY_TASK_ALWAYS_EAGER = False  # drive the steps by hand, as redelivered messages would
    data = (samples / "lists" / "plain_utf8.csv").read_bytes()
    screening = services.create_screening(membership=hr.membership, filename="a.csv", data=data)
    indexes = services.prepare_screening(str(screening.pk))
    assert services.prepare_screening(str(screening.pk)) == []  # a second prepare finds nothing to do
    for index in indexes:
        assert services.process_chunk(str(screening.pk), index) is True
    first = sorted(ScreeningResult.objects.filter(screening=screening).values_list("row", "outcome", "e164"))
    for index in indexes:
        assert services.process_chunk(str(screening.pk), index) is False
    assert services.finalize_screening(str(screening.pk)) is True
    assert services.finalize_screening(str(screening.pk)) is False
    screening.refresh_from_db()
    assert screening.processed_rows == 500
    assert screening.status == "done"
    after = sorted(ScreeningResult.objects.filter(screening=screening).values_list("row", "outcome", "e164"))
    assert len(after) >= len(first)
    assert len({row for row, _, _ in after}) == len(after)


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"PK\x03\x04" + b"\x00" * 200, "damaged"), (b"phone\n", "no rows with a phone number")],
)
def test_a_bad_file_fails_cleanly_and_is_deleted(hr, screen, data, message):
    try:
        screening = screen(hr.membership, data)
    except services.ScreeningRejected as rejected:
        assert message in rejected.message
        assert not Screening.objects.exists()
        return
    assert screening.status == Screening.Status.FAILED
    assert message in screening.error
    assert not ScreeningUpload.objects.exists()
    assert not ScreeningChunk.objects.exists()


def test_a_file_over_the_size_limit_is_413(hr, settings):
    settings.SCREENING_MAX_BYTES = 10
    with pytest.raises(services.ScreeningRejected) as rejected:
        services.create_screening(membership=hr.membership, filename="a.csv", data=b"phone\n2065550100\n")
    assert rejected.value.status == 413
    assert not Screening.objects.exists()


def test_a_file_over_the_row_limit_is_413(hr, settings):
    settings.SCREENING_MAX_ROWS = 2
    with pytest.raises(services.ScreeningRejected) as rejected:
        services.create_screening(membership=hr.membership, filename="a.csv", data=b"phone\n1\n2\n3\n")
    assert rejected.value.status == 413


def test_screening_quota_is_checked(hr, org):
    org.daily_screening_row_quota = 2
    org.save()
    from directory.limits import LimitExceeded

    with pytest.raises(LimitExceeded, match="screened rows"):
        services.create_screening(membership=hr.membership, filename="a.csv", data=b"phone\n1\n2\n3\n")


def test_an_upload_refused_by_the_quota_is_audited(hr, org):
    from directory.limits import LimitExceeded

    org.daily_screening_row_quota = 2
    org.save()
    with pytest.raises(LimitExceeded) as refused:
        services.create_screening(membership=hr.membership, filename="a.csv", data=b"phone\n1\n2\n3\n")
    event = AuditEvent.objects.get(action="screening.refused")
    assert (event.actor, event.organization) == (hr, org)
    assert event.detail == {"rows": 3, "limit": refused.value.message}
    assert not Screening.objects.exists()


def test_bad_window_dates_make_their_row_invalid(hr, screen):
    data = b"msisdn,assigned_from,assigned_to\n2065550100,someday,\n2065550101,2022-01-01,2023-01-01\n"
    screening = screen(hr.membership, data)
    invalid = ScreeningResult.objects.get(screening=screening, row=2)
    assert invalid.outcome == "invalid"
    assert "assigned_from 'someday' is not a date" in invalid.reason
    assert screening.counts["no_match"] == 1


def test_purge_removes_screenings_past_retention(hr, screen, settings):
    from datetime import timedelta

    from django.utils import timezone

    old = screen(hr.membership, b"phone\n2065550100\n")
    new = screen(hr.membership, b"phone\n2065550100\n")
    Screening.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    assert services.purge_expired_screenings() == 1
    assert list(Screening.objects.all()) == [new]


def test_monitoring_stores_hashes_only_and_alerts_once_per_new_contact(
    hr, org_admin, screen, django_capture_on_commit_callbacks
):
    screening = screen(hr.membership, b"phone\n206-555-0100\n2065550199\n", monitor=True)
    hashes = set(WatchedNumber.objects.filter(screening=screening).values_list("number_hash", flat=True))
    assert hashes == {number_hash("+12065550100"), number_hash("+12065550199")}
    assert "2065550100" not in str(list(WatchedNumber.objects.values()))

    mail.outbox.clear()
    operation = OperationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        contact = create_contact(
            e164="+12065550100", operation=operation, occurred_at="2025-01-01T00:00:00Z", channel="call"
        )
        create_contact(e164="+12065550142", operation=operation, occurred_at="2025-01-01T00:00:00Z", channel="call")
    assert list(Alert.objects.values_list("contact_id", flat=True)) == [contact.pk]
    assert [message.to for message in mail.outbox] == [[org_admin.email]]
    assert "2065550100" not in mail.outbox[0].body

    from screenings.monitoring import notify_watchers

    assert notify_watchers([contact.pk]) == 0  # the same contact never alerts twice
    assert Alert.objects.count() == 1
    assert AuditEvent.objects.filter(action="monitoring.alert").count() == 1


def test_numbers_under_review_do_not_alert(hr, org_admin, screen, django_capture_on_commit_callbacks):
    screen(hr.membership, b"phone\n206-555-0100\n", monitor=True)
    ListedNumberFactory(e164="+12065550100", status="under_review")
    with django_capture_on_commit_callbacks(execute=True):
        create_contact(
            e164="+12065550100", operation=OperationFactory(), occurred_at="2025-01-01T00:00:00Z", channel="text"
        )
    assert not Alert.objects.exists()


@pytest.mark.parametrize(("separator", "ending"), [("\n", "\n"), ("\r\n", "\r\n"), ("\r", "\r"), ("\n", "")])
def test_a_file_of_exactly_the_row_limit_is_accepted_whatever_its_line_ends(hr, settings, separator, ending):
    settings.SCREENING_MAX_ROWS = 3
    rows = ["phone", "2065550100", "2065550101", "2065550102"]
    services.create_screening(membership=hr.membership, filename="a.csv", data=(separator.join(rows) + ending).encode())
    with pytest.raises(services.ScreeningRejected) as rejected:
        data = (separator.join([*rows, "2065550103"]) + ending).encode()
        services.create_screening(membership=hr.membership, filename="a.csv", data=data)
    assert rejected.value.status == 413


def test_inputs_and_labels_are_stored_exactly_whatever_characters_they_hold(hr, screen):
    labels = ["tab\there", "two\nlines", "back\\slash", "\\.", "\\N", 'comma, and "quotes"']
    lines = ["phone,employee"] + [
        f'"not a number {n}\t\\","{label.replace(chr(34), chr(34) * 2)}"' for n, label in enumerate(labels)
    ]
    screening = screen(hr.membership, "\n".join(lines).encode())
    stored = list(ScreeningResult.objects.filter(screening=screening).order_by("row").values_list("input", "label"))
    assert stored == [(f"not a number {n}\t\\", label) for n, label in enumerate(labels)]


def test_utf16_lists_are_counted_in_characters_not_bytes(hr, settings):
    """In UTF-16, characters such as č (0D 01) and 上 (0A 4E) hold line-break bytes."""
    settings.SCREENING_MAX_ROWS = 3
    rows = ["phone,name", "2065550100,Vačkář 上", "2065550101,Dvořák 不", "2065550102,Ščedrý 」"]
    data = ("\r\n".join(rows) + "\r\n").encode("utf-16")
    services.create_screening(membership=hr.membership, filename="a.csv", data=data)
    with pytest.raises(services.ScreeningRejected):
        more = ("\r\n".join([*rows, "2065550103,Čech č"]) + "\r\n").encode("utf-16")
        services.create_screening(membership=hr.membership, filename="a.csv", data=more)


def test_a_screening_failed_during_its_split_keeps_no_chunks(hr, screen, settings, monkeypatch):
    settings.SCREENING_CHUNK_ROWS = 2
    match_rows, calls = services.match_chunk_rows, []

    def first_chunk_fails(rows, region):
        calls.append(region)
        if len(calls) == 1:
            raise RuntimeError("a worker's trouble")
        return match_rows(rows, region)

    monkeypatch.setattr(services, "match_chunk_rows", first_chunk_fails)
    screening = screen(hr.membership, ("phone\n" + "\n".join(f"206555{n:04d}" for n in range(10))).encode())
    assert screening.status == Screening.Status.FAILED
    assert not ScreeningChunk.objects.filter(screening=screening).exists()
    assert not ScreeningResult.objects.filter(screening=screening).exists()


@pytest.mark.parametrize("chunk_rows", [20_000, 2])
def test_the_longest_possible_numbers_are_matched_and_stored(hr, screen, settings, chunk_rows):
    """phonenumbers calls some numbers of 19 digits possible, longer than E.164's 15."""
    settings.SCREENING_CHUNK_ROWS = chunk_rows
    screening = screen(hr.membership, b"phone\n+49 123456789012345\n2065550100\n+49123456789012345\n")
    assert screening.status == Screening.Status.DONE, screening.error
    repeat = ScreeningResult.objects.get(screening=screening, row=4)
    assert (repeat.outcome, repeat.e164) == ("duplicate", "+49123456789012345")
