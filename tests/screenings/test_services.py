import pytest

from audit.models import AuditEvent
from screenings import services
from screenings.models import Screening, ScreeningChunk, ScreeningUpload

pytestmark = pytest.mark.django_db

SAMPLE_LISTS = ["plain_utf8.csv", "excel_bom_semicolon.csv", "windows.csv", "sheet.xlsx"]


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


@pytest.mark.parametrize(
    ("limit", "value", "data"),
    [("SCREENING_MAX_BYTES", 10, b"phone\n2065550100\n"), ("SCREENING_MAX_ROWS", 2, b"phone\n1\n2\n3\n")],
    ids=["size", "rows"],
)
def test_a_file_over_a_limit_is_413(hr, settings, limit, value, data):
    setattr(settings, limit, value)
    with pytest.raises(services.ScreeningRejected) as rejected:
        services.create_screening(membership=hr.membership, filename="a.csv", data=data)
    assert rejected.value.status == 413
    assert not Screening.objects.exists()


def test_screening_quota_is_checked(hr, org):
    org.daily_screening_row_quota = 2
    org.save()
    from lib.limits import LimitExceeded

    with pytest.raises(LimitExceeded, match="screened rows"):
        services.create_screening(membership=hr.membership, filename="a.csv", data=b"phone\n1\n2\n3\n")


def test_an_upload_refused_by_the_quota_is_audited(hr, org):
    from lib.limits import LimitExceeded

    org.daily_screening_row_quota = 2
    org.save()
    with pytest.raises(LimitExceeded) as refused:
        services.create_screening(membership=hr.membership, filename="a.csv", data=b"phone\n1\n2\n3\n")
    event = AuditEvent.objects.get(action="screening.refused")
    assert (event.actor, event.organization) == (hr, org)
    assert event.detail == {"rows": 3, "limit": refused.value.message}
    assert not Screening.objects.exists()


def test_purge_removes_screenings_past_retention(hr, screen, settings):
    from datetime import timedelta

    from django.utils import timezone

    old = screen(hr.membership, b"phone\n2065550100\n")
    new = screen(hr.membership, b"phone\n2065550100\n")
    Screening.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    assert services.purge_expired_screenings() == 1
    assert list(Screening.objects.all()) == [new]


@pytest.mark.parametrize(("separator", "ending"), [("\n", "\n"), ("\r\n", "\r\n"), ("\r", "\r"), ("\n", "")])
def test_a_file_of_exactly_the_row_limit_is_accepted_whatever_its_line_ends(hr, settings, separator, ending):
    settings.SCREENING_MAX_ROWS = 3
    rows = ["phone", "2065550100", "2065550101", "2065550102"]
    services.create_screening(membership=hr.membership, filename="a.csv", data=(separator.join(rows) + ending).encode())
    with pytest.raises(services.ScreeningRejected) as rejected:
        data = (separator.join([*rows, "2065550103"]) + ending).encode()
        services.create_screening(membership=hr.membership, filename="a.csv", data=data)
    assert rejected.value.status == 413


def test_utf16_lists_are_counted_in_characters_not_bytes(hr, settings):
    """In UTF-16, characters such as č (0D 01) and 上 (0A 4E) hold line-break bytes."""
    settings.SCREENING_MAX_ROWS = 3
    rows = ["phone,name", "2065550100,Vačkář 上", "2065550101,Dvořák 不", "2065550102,Ščedrý 」"]
    data = ("\r\n".join(rows) + "\r\n").encode("utf-16")
    services.create_screening(membership=hr.membership, filename="a.csv", data=data)
    with pytest.raises(services.ScreeningRejected):
        more = ("\r\n".join([*rows, "2065550103,Čech č"]) + "\r\n").encode("utf-16")
        services.create_screening(membership=hr.membership, filename="a.csv", data=more)
