"""Hostile and broken files end as a clear refusal or a cleanly failed screening: never a crash,
a hung job or a leftover file."""

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib import phone_lists
from lib.limits import LimitExceeded
from lib.tabular import UnreadableFile
from screenings import services
from screenings.models import Screening, ScreeningChunk, ScreeningResult, ScreeningUpload

pytestmark = pytest.mark.django_db


def outcome_of(screen, membership, data: bytes, name="list.csv"):
    """'rejected: ...' when refused at upload, else the screening's final status."""
    try:
        screening = screen(membership, data, filename=name)
    except services.ScreeningRejected as error:
        return f"rejected: {error.message}"
    assert screening.status in ("done", "failed")
    assert not ScreeningUpload.objects.filter(screening=screening).exists()
    assert not ScreeningChunk.objects.filter(screening=screening).exists()
    if screening.status == "failed":
        assert screening.error
        assert not ScreeningResult.objects.filter(screening=screening).exists()
        return f"failed: {screening.error}"
    return "done"


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 200_000_000)
    return buffer.getvalue()


def real_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["phone"])
    for n in range(200):
        book.active.append([f"206555{n:04d}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("zip bomb renamed .xlsx", zip_bomb(), "rejected: The spreadsheet unpacks to far more"),
        ("truncated xlsx", real_xlsx()[:2000], "rejected: The file looks like a spreadsheet but is damaged"),
        ("NUL bytes", b"phone\n206\x00555\x000100\n" * 10, "rejected: The file is not text"),
        ("5 MB single line", b"phone," + b"1" * 5_000_000, "rejected: "),
        ("random-looking bytes", bytes(range(256)) * 40, "rejected: "),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(screen, hr, name, data, expected):
    assert outcome_of(screen, hr.membership, data).startswith(expected), name


def test_ten_thousand_columns(screen, hr):
    header = ",".join(f"c{i}" for i in range(10_000)) + ",phone\n"
    row = ",".join("x" for _ in range(10_000)) + ",206-555-0100\n"
    assert outcome_of(screen, hr.membership, (header + row * 5).encode()) == "done"


def test_mixed_line_endings(screen, hr):
    data = b"phone\r\n206-555-0100\n206-555-0101\r206-555-0102\r\n"
    screening = Screening.objects.get(pk=screen(hr.membership, data).pk)
    assert screening.total_rows == 3


def test_a_phone_column_of_formulas_is_all_invalid(screen, hr):
    data = b'phone\n=HYPERLINK("http://x","y")\n+SUM(1,2)\n@cmd\n-2+3\n'
    screening = screen(hr.membership, data)
    assert screening.status == "done"
    assert screening.counts["invalid"] == 4


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000))
def test_random_bytes_never_crash_the_reader(data):
    try:
        inspection = phone_lists.inspect(data, "US")
        list(phone_lists.list_rows(data, inspection.layout))
    except UnreadableFile:
        pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode)))
def test_random_uploads_end_cleanly(screen, hr, data):
    try:
        result = outcome_of(screen, hr.membership, data)
    except LimitExceeded:
        return
    assert result.startswith(("rejected: ", "failed: ", "done"))
