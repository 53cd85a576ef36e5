import pytest

from screenings import pipeline, services
from screenings.models import Screening, ScreeningChunk, ScreeningResult, ScreeningUpload

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
def test_the_longest_possible_numbers_are_matched_and_stored(hr, screen, settings, chunk_rows):
    """phonenumbers calls some numbers of 19 digits possible, longer than E.164's 15."""
    settings.SCREENING_CHUNK_ROWS = chunk_rows
    screening = screen(hr.membership, b"phone\n+49 123456789012345\n2065550100\n+49123456789012345\n")
    assert screening.status == Screening.Status.DONE, screening.error
    repeat = ScreeningResult.objects.get(screening=screening, row=4)
    assert (repeat.outcome, repeat.e164) == ("duplicate", "+49123456789012345")
