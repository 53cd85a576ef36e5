import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook

from lib import phone_lists
from lib.limits import quota_use
from screenings import pipeline, result_store, services
from screenings.models import Screening, ScreeningChunk, ScreeningResult, ScreeningUpload
from tests.factories import ContactFactory, ListedNumberFactory

pytestmark = pytest.mark.django_db

SAMPLE_LISTS = ["plain_utf8.csv", "excel_bom_semicolon.csv", "windows.csv", "sheet.xlsx"]


def stored_rows(screening):
    return {r.row: r for r in ScreeningResult.objects.filter(screening=screening)}


@pytest.fixture
def screen_in_chunks(hr, screen, settings):
    """`screen_in_chunks(data, chunk_rows)`: hr's screening of `data` in chunks of that many rows, which must finish."""

    def run(data: bytes, chunk_rows: int) -> Screening:
        settings.SCREENING_CHUNK_ROWS = chunk_rows
        screening = screen(hr.membership, data)
        assert screening.status == Screening.Status.DONE, screening.error
        return screening

    return run


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
    first_rows = {}
    for position, want in enumerate(rows):
        row = position + 2
        first_rows.setdefault(want["e164"], (row, want["outcome"]))
        got = stored.get(row)
        first_row, first_outcome = first_rows[want["e164"]]
        if want["outcome"] == "duplicate" and first_outcome == "no_match":
            assert got is None, f"row {row} repeats a number with no match: counted, never stored"
            continue
        outcome = got.outcome if got else "no_match"
        assert outcome == want["outcome"], f"row {row}"
        if got:
            assert (got.e164 or None) == want["e164"], f"row {row}"
            assert got.label == expected[name]["labels"][position]
            assert got.first_row == (first_row if outcome == "duplicate" else None), f"row {row}"
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
    indexes = pipeline.prepare_screening(str(screening.pk))
    assert pipeline.prepare_screening(str(screening.pk)) == []  # a second prepare finds nothing to do
    for index in indexes:
        assert pipeline.process_chunk(str(screening.pk), index) is True
    first = sorted(ScreeningResult.objects.filter(screening=screening).values_list("row", "outcome", "e164"))
    for index in indexes:
        assert pipeline.process_chunk(str(screening.pk), index) is False
    assert pipeline.finalize_screening(str(screening.pk)) is True
    assert pipeline.finalize_screening(str(screening.pk)) is False
    screening.refresh_from_db()
    assert screening.processed_rows == 500
    assert screening.status == "done"
    after = sorted(ScreeningResult.objects.filter(screening=screening).values_list("row", "outcome", "e164"))
    assert len(after) >= len(first)
    assert len({row for row, _, _ in after}) == len(after)


def test_bad_window_dates_make_their_row_invalid(hr, screen):
    data = b"msisdn,assigned_from,assigned_to\n2065550100,someday,\n2065550101,2022-01-01,2023-01-01\n"
    screening = screen(hr.membership, data)
    invalid = ScreeningResult.objects.get(screening=screening, row=2)
    assert invalid.outcome == "invalid"
    assert "assigned_from 'someday' is not a date" in invalid.reason
    assert screening.counts["no_match"] == 1


def test_inputs_and_labels_are_stored_exactly_whatever_characters_they_hold(hr, screen):
    labels = ["tab\there", "two\nlines", "back\\slash", "\\.", "\\N", 'comma, and "quotes"']
    lines = ["phone,employee"] + [
        f'"not a number {n}\t\\","{label.replace(chr(34), chr(34) * 2)}"' for n, label in enumerate(labels)
    ]
    screening = screen(hr.membership, "\n".join(lines).encode())
    stored = list(ScreeningResult.objects.filter(screening=screening).order_by("row").values_list("input", "label"))
    assert stored == [(f"not a number {n}\t\\", label) for n, label in enumerate(labels)]


def test_a_screening_failed_during_its_split_keeps_no_chunks(hr, screen, settings, monkeypatch):
    settings.SCREENING_CHUNK_ROWS = 2
    match_rows, calls = pipeline.match_chunk_rows, []

    def first_chunk_fails(rows, region):
        calls.append(region)
        if len(calls) == 1:
            raise RuntimeError("a worker's trouble")
        return match_rows(rows, region)

    monkeypatch.setattr(pipeline, "match_chunk_rows", first_chunk_fails)
    screening = screen(hr.membership, ("phone\n" + "\n".join(f"206555{n:04d}" for n in range(10))).encode())
    assert screening.status == Screening.Status.FAILED
    assert not ScreeningChunk.objects.filter(screening=screening).exists()
    assert not ScreeningResult.objects.filter(screening=screening).exists()


@pytest.mark.parametrize("chunk_rows", [20_000, 2])
def test_the_longest_possible_numbers_are_matched_and_stored(screen_in_chunks, chunk_rows):
    """phonenumbers calls some numbers of 19 digits possible, longer than E.164's 15."""
    ContactFactory(number__e164="+49123456789012345")
    screening = screen_in_chunks(b"phone\n+49 123456789012345\n2065550100\n+49123456789012345\n", chunk_rows)
    match, repeat = ScreeningResult.objects.filter(screening=screening).order_by("row")
    assert (match.row, match.outcome, match.e164) == (2, "match", "+49123456789012345")
    assert (repeat.row, repeat.outcome, repeat.e164, repeat.first_row) == (4, "duplicate", "+49123456789012345", 2)


@pytest.mark.parametrize("chunk_rows", [20_000, 1])
def test_a_repeat_of_a_number_with_no_match_is_counted_never_stored(screen_in_chunks, chunk_rows):
    """Nothing about a number that is not listed stays at rest, even when the file repeats it."""
    screening = screen_in_chunks(b"206-555-0178,E1\n(206) 555-0178,E2\n", chunk_rows)
    assert (screening.counts["no_match"], screening.counts["duplicate"]) == (1, 1)
    assert not ScreeningResult.objects.filter(screening=screening).exists()


@pytest.mark.parametrize("chunk_rows", [20_000, 1])
def test_a_repeat_of_a_match_names_its_first_row(screen_in_chunks, chunk_rows):
    ContactFactory(number__e164="+12065550178")
    screening = screen_in_chunks(
        b"phone,id\n206-555-0178,E1\n2065550100,E2\n(206) 555-0178,E3\n+12065550178,E4\n", chunk_rows
    )
    stored = {
        row.row: (row.outcome, row.first_row, row.label) for row in ScreeningResult.objects.filter(screening=screening)
    }
    assert stored == {2: ("match", None, "E1"), 4: ("duplicate", 2, "E3"), 5: ("duplicate", 2, "E4")}


@pytest.mark.parametrize(
    ("window", "message"),
    [("2025-01-01T00:00", "'2025-01-01T00:00' is not a date"), ("2025-02-30", "'2025-02-30' is not a date")],
)
def test_window_dates_are_read_as_the_api_reads_them(hr, screen, window, message):
    """A date and time is not a date: the row is invalid and says why, as the lookup API would refuse it."""
    data = f"phone,assigned_from\n2065550100,{window}\n2065550101,2025-01-01\n".encode()
    screening = screen(hr.membership, data)
    assert screening.status == Screening.Status.DONE, screening.error
    [bad] = ScreeningResult.objects.filter(screening=screening)
    assert (bad.row, bad.outcome) == (2, "invalid")
    assert message in bad.reason


def test_an_outside_window_row_keeps_the_window_applied_and_the_span_of_contacts(hr, screen):
    number = ListedNumberFactory(e164="+12065550178")
    ContactFactory(number=number, occurred_at=datetime(2021, 5, 2, tzinfo=UTC))
    ContactFactory(number=number, occurred_at=datetime(2021, 7, 9, tzinfo=UTC))
    screening = screen(hr.membership, b"phone,assigned_from,assigned_to\n2065550178,2023-01-01,\n")
    [row] = ScreeningResult.objects.filter(screening=screening)
    assert row.outcome == "outside_window"
    assert row.evidence is None
    assert row.detail == {
        "assigned_from": "2023-01-01",
        "assigned_to": None,
        "first_contact": "2021-05-02",
        "last_contact": "2021-07-09",
    }


@pytest.mark.parametrize(
    ("region", "listed", "lines"),
    [
        ("GB", "+442079460000", ["020 7946 0000", "020 7946 0001"]),
        ("DE", "+49301234567", ["030 1234567", "030 1234568"]),
    ],
)
@pytest.mark.parametrize("header", ["", "Telefon"])
def test_the_organizations_region_reaches_file_reading(hr, org, screen, region, listed, lines, header):
    """A UK or German company's list of national numbers, one a line, is read in its own region."""
    org.default_region = region
    org.save()
    ContactFactory(number=ListedNumberFactory(e164=listed))
    data = "\n".join([header, *lines] if header else lines).encode()
    screening = screen(hr.membership, data)
    assert screening.status == Screening.Status.DONE, screening.error
    assert screening.counts["match"] == 1
    assert screening.counts["no_match"] == 1
    assert stored_rows(screening)[2 if header else 1].e164 == listed


def test_the_worker_reads_the_columns_found_at_upload(hr, settings, monkeypatch):
    """The layout is detected once, in the request; the worker uses what was stored."""
    settings.CELERY_TASK_ALWAYS_EAGER = False  # drive the steps by hand
    ContactFactory(number=ListedNumberFactory(e164="+12065550199"))
    data = b"id;mobile;work phone\nE1;2065550100;2065550199\nE2;2065550101;2065550198\n"
    screening = services.create_screening(
        membership=hr.membership, filename="a.csv", data=data, columns=phone_lists.Columns(phones=("work phone",))
    )
    screening.refresh_from_db()
    assert screening.layout["phones"] == [2]

    def detect_again(*args, **kwargs):
        raise AssertionError("the worker detected the columns again")

    monkeypatch.setattr(phone_lists, "detect_layout", detect_again)
    for index in pipeline.prepare_screening(str(screening.pk)):
        pipeline.process_chunk(str(screening.pk), index)
    assert pipeline.finalize_screening(str(screening.pk))
    screening.refresh_from_db()
    assert (screening.phone_column, screening.label_column) == ("work phone", "id")
    match = stored_rows(screening)[2]
    assert (match.outcome, match.e164, match.label) == ("match", "+12065550199", "E1")


def sheet_with_dimension(rows: int, dimension: str | None) -> bytes:
    """An XLSX of `rows` numbers whose <dimension> element is removed (None) or says `dimension`."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["phone"])
    for n in range(rows):
        sheet.append([f"+1206555{n:04d}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source, target = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                replacement = b"" if dimension is None else f'<dimension ref="{dimension}"/>'.encode()
                content = re.sub(rb"<dimension [^>]*/>", replacement, content)
            archive.writestr(item, content)
    return target.getvalue()


@pytest.mark.parametrize("dimension", [None, "A1:A1"])
def test_a_sheet_that_hides_its_size_is_charged_by_the_rows_read(hr, org, screen, settings, dimension):
    """With a 1,000-row quota, a 3,000-row sheet whose <dimension> is missing or lies is stopped, not screened."""
    settings.SCREENING_CHUNK_ROWS = 500
    org.daily_screening_row_quota = 1000
    org.save()
    screening = screen(hr.membership, sheet_with_dimension(3000, dimension), filename="big.xlsx")
    assert screening.status == Screening.Status.FAILED
    assert "daily screening quota reached" in screening.error.lower()
    assert not ScreeningUpload.objects.filter(screening=screening).exists()
    assert not ScreeningChunk.objects.filter(screening=screening).exists()
    assert not ScreeningResult.objects.filter(screening=screening).exists()
    assert quota_use(org)["screened_rows"] <= 1000


def test_an_estimate_above_the_rows_read_is_given_back(hr, org, screen):
    """A sheet that claims far more rows than it holds costs only the rows it holds."""
    screen(hr.membership, sheet_with_dimension(10, "A1:A5000"), filename="small.xlsx")
    assert quota_use(org)["screened_rows"] == 10


@pytest.mark.parametrize("chunk_rows", [20_000, 1])
def test_several_phone_columns_are_each_screened_and_a_number_in_two_counts_once(screen_in_chunks, chunk_rows):
    ContactFactory(number__e164="+12065550101")
    data = b"Employee,Work phone,Mobile,Home phone\nE1,206-555-0100,206-555-0101,\nE2,,206-555-0102,(206) 555-0101\n"
    screening = screen_in_chunks(data, chunk_rows)
    assert screening.phone_column == "Work phone, Mobile, Home phone"
    assert screening.total_rows == 4
    assert (screening.counts["match"], screening.counts["no_match"], screening.counts["duplicate"]) == (1, 2, 1)
    stored = {
        (r.row, r.column): (r.outcome, r.first_row, r.first_column)
        for r in ScreeningResult.objects.filter(screening=screening)
    }
    assert stored == {(2, 2): ("match", None, None), (3, 3): ("duplicate", 2, 2)}


def test_a_number_whose_window_date_is_bad_is_not_kept(hr, screen):
    """The row is invalid and says why; its number, perhaps valid and not listed, is not at rest."""
    screening = screen(hr.membership, b"phone,id,assigned_from\n2065550178,E1,someday\n")
    [row] = ScreeningResult.objects.filter(screening=screening)
    assert (row.row, row.outcome, row.input, row.e164, row.label) == (2, "invalid", "", "", "E1")
    assert "not a date" in row.reason


def test_a_chunks_first_numbers_keep_every_digit_of_the_longest_numbers():
    numbers = ["+12065550100", "+49123456789012345", "+9" + "9" * 18]
    packed = result_store.pack_numbers(numbers)
    assert len(packed) == 8 * len(numbers)
    assert [f"+{number}" for number in result_store.unpack_numbers(packed)] == numbers
