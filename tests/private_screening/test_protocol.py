"""The private-screening client against the test server: the same outcomes as an ordinary screening."""

import logging

import pytest
from django.apps import apps
from private_screening_client import cli
from private_screening_client.screening import numbers_to_check, result_file, screen_privately
from private_screening_client.server import Server, ServerRefused

from accounts.services import create_api_key
from audit.models import AuditEvent
from directory.importing import import_contacts
from directory.models import ListedNumber
from directory.services import create_contact, set_number_status
from lib.hashing import number_hash
from lib.limits import quota_use
from lib.phone_lists import Columns, inspect
from lib.result_files import csv_lines, result_cells
from private_screening import tasks
from screenings import selectors, services
from screenings.exports import result_lines
from tests.factories import OperationFactory

pytestmark = pytest.mark.django_db


def screen(data: bytes, server, **options):
    """The client's screening through the test client, which must be called from the test's thread."""
    return screen_privately(data, server, overlap=False, **options)


SAMPLE_LISTS = ["plain_utf8.csv", "excel_bom_semicolon.csv", "windows.csv", "sheet.xlsx"]


def screen_on_the_site(membership, data, name, capture, columns=None):
    with capture(execute=True):
        screening = services.create_screening(membership=membership, filename=name, data=data, columns=columns)
    screening.refresh_from_db()
    return screening


@pytest.mark.parametrize("name", SAMPLE_LISTS)
def test_sample_lists_get_the_outcomes_and_file_of_an_ordinary_screening(
    directory, samples, expected, build_setup, server_as, hr, name, django_capture_on_commit_callbacks
):
    build_setup()
    data = (samples / "lists" / name).read_bytes()
    report = screen(data, server_as(hr), region="US")

    rows = expected[name]["rows"]
    stored = {result.row: result for result in report.results}
    outcomes = {}
    for position, want in enumerate(rows):
        got = stored.get(position + 2)
        outcomes.setdefault(want["e164"], want["outcome"])
        if want["outcome"] == "duplicate" and outcomes[want["e164"]] == "no_match":
            assert got is None, f"row {position + 2}: a repeat of a number with no match is not kept"
            continue
        assert (got.outcome if got else "no_match") == want["outcome"], f"row {position + 2}"
        if got:
            assert got.e164 == want["e164"] and got.label == expected[name]["labels"][position]
    assert report.counts == {outcome: sum(1 for r in rows if r["outcome"] == outcome) for outcome in report.counts}
    assert report.rows_read == len(rows)

    screening = screen_on_the_site(hr.membership, data, name, django_capture_on_commit_callbacks)
    site_file = "".join(result_lines(selectors.screening_results(screening), screening.column_layout))
    assert "".join(csv_lines(result_cells(result, result.phone_column) for result in report.results)) == site_file


def test_phone_columns_chosen_on_the_command_line_are_each_screened_as_on_the_site(
    directory, expected, build_setup, server_as, hr, django_capture_on_commit_callbacks
):
    build_setup()
    rows = expected["plain_utf8.csv"]["rows"]
    listed = next(row["e164"] for row in rows if row["outcome"] == "match")
    unlisted = next(row["e164"] for row in rows if row["outcome"] == "no_match")
    data = (
        f"Employee,Work phone,Mobile,Desk\nE1,{unlisted},{listed},{listed}\nE2,{listed},not a number,{unlisted}\n"
    ).encode()
    command = ["list.csv", "--url", "unused", "--output", "out.csv", "--phone-column", "Work phone"]
    options = cli.arguments([*command, "--phone-column", "Mobile"])
    report = screen(data, server_as(hr), region="US", columns=cli.chosen_columns(options))

    assert [(r.row, r.phone_column, r.outcome) for r in report.results] == [
        (2, "Mobile", "match"),
        (3, "Work phone", "duplicate"),
        (3, "Mobile", "invalid"),
    ]
    columns = Columns(phones=("Work phone", "Mobile"))
    screening = screen_on_the_site(hr.membership, data, "list.csv", django_capture_on_commit_callbacks, columns)
    site_file = "".join(result_lines(selectors.screening_results(screening), screening.column_layout))
    assert "".join(csv_lines(result_cells(result, result.phone_column) for result in report.results)) == site_file


def test_the_result_file_carries_the_disclaimer_after_a_match(directory, samples, build_setup, server_as, hr):
    build_setup()
    report = screen((samples / "lists" / "plain_utf8.csv").read_bytes(), server_as(hr), region="US")
    written = "".join(result_file(report))
    assert report.counts["match"] and written.rstrip().endswith('not evidence of a crime by any person."')


def listed_later(e164: str) -> None:
    create_contact(e164=e164, occurred_at="2025-01-05T10:00:00+00:00", channel="text", operation=OperationFactory())


def test_a_number_listed_after_the_setup_is_missed_until_the_rebuild(directory, build_setup, server_as, hr):
    build_setup()
    listed_later("+12065550188")
    data = b"phone\n206-555-0188\n"
    assert screen(data, server_as(hr), region="US").counts["match"] == 0
    build_setup()
    report = screen(data, server_as(hr), region="US")
    assert report.counts["match"] == 1
    assert report.results[0].evidence["contact_count"] == 1


def test_a_number_put_under_review_is_a_hit_but_not_a_match(directory, build_setup, server_as, hr):
    number = ListedNumber.objects.filter(status=ListedNumber.Status.LISTED).first()
    build_setup()
    set_number_status(number=number, status=ListedNumber.Status.UNDER_REVIEW)
    report = screen(f"phone\n{number.e164}\n".encode(), server_as(hr), region="US")
    assert report.hits == 1
    assert report.counts["match"] == 0 and report.counts["no_match"] == 1
    assert report.results == []


def every_stored_value() -> str:
    """Everything in every table of the database, as text."""
    values = []
    for model in apps.get_models():
        values.extend(str(row) for row in model.objects.values_list())
    return "\n".join(values)


def test_the_server_keeps_and_logs_nothing_of_the_numbers_that_are_not_hits(
    directory, samples, build_setup, server_as, hr, caplog
):
    build_setup()
    data = (samples / "lists" / "plain_utf8.csv").read_bytes()
    caplog.set_level(logging.DEBUG)
    report = screen(data, server_as(hr), region="US")

    numbers, _ = numbers_to_check(data, inspect(data, "US").layout, "US")
    hits = {result.e164 for result in report.results if result.outcome in ("match", "outside_window")}
    private = [e164 for e164 in numbers if e164 not in hits]
    assert len(private) > 100
    stored, logged = every_stored_value(), caplog.text
    for e164 in private:
        for trace in (e164, e164[1:], e164[-10:], number_hash(e164)):
            assert trace not in stored and trace not in logged, e164


def test_quota_and_audit_count_the_numbers_sent(directory, samples, build_setup, server_as, hr, settings):
    settings.PSI_REQUEST_MAX_NUMBERS = 50  # several requests
    build_setup()
    report = screen((samples / "lists" / "plain_utf8.csv").read_bytes(), server_as(hr), region="US")
    events = AuditEvent.objects.filter(action="private_screening.request")
    assert sum(event.detail["numbers"] for event in events) == report.numbers_sent
    assert {tuple(event.detail) for event in events} == {("numbers",)}
    assert all(event.number_hash == "" for event in events)
    assert quota_use(hr.membership.organization)["screened_rows"] == report.numbers_sent


def test_a_list_with_more_hits_than_the_lookup_limits_allow_is_confirmed_in_full(
    directory, samples, expected, build_setup, server_as, hr, settings
):
    """The hits are confirmed within the screening quota they were paid with, not as lookups."""
    settings.LOOKUP_NUMBERS_PER_MINUTE = 2
    hr.membership.organization.daily_lookup_quota = 2
    hr.membership.organization.save()
    build_setup()
    report = screen((samples / "lists" / "plain_utf8.csv").read_bytes(), server_as(hr), region="US")
    assert report.hits > 2
    rows = expected["plain_utf8.csv"]["rows"]
    assert report.counts == {outcome: sum(1 for r in rows if r["outcome"] == outcome) for outcome in report.counts}
    assert quota_use(hr.membership.organization)["lookups"] == 0
    confirmed = AuditEvent.objects.get(action="private_screening.confirmed")
    assert confirmed.detail["numbers"] == report.hits


def test_the_client_over_http_with_overlapping_requests(transactional_db, live_server, samples, expected, hr):
    """The installed client's way: a real HTTP server, the next batch encrypted while the server answers."""
    import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)
    tasks.start_build()
    _, key = create_api_key(user=hr, name="client")
    data = (samples / "lists" / "windows.csv").read_bytes()
    report = screen_privately(data, Server(live_server.url, key), region="US")
    rows = expected["windows.csv"]["rows"]
    assert report.counts == {outcome: sum(1 for r in rows if r["outcome"] == outcome) for outcome in report.counts}


class Answer:
    def __init__(self, status: int, retry_after: str = ""):
        self.status_code, self.headers, self.text = status, {"Retry-After": retry_after}, "{}"

    def json(self):
        return {"detail": "slow down"}


class Replies:
    """A session that answers with the given replies, in order."""

    def __init__(self, *answers: Answer):
        self.answers = list(answers)

    def request(self, *args, **kwargs) -> Answer:
        return self.answers.pop(0)


def test_the_client_waits_out_the_rate_limit_but_not_the_daily_quota():
    waits = []

    def server(*answers: Answer) -> Server:
        return Server("https://directory.example", "key", session=Replies(*answers), sleep=waits.append)

    assert server(Answer(429, "7"), Answer(200)).call("POST", "private-screenings/confirm/").status_code == 200
    assert waits == [7]
    with pytest.raises(ServerRefused, match="429"):
        server(Answer(429, "40000")).call("POST", "private-screenings/confirm/")
    assert waits == [7]
