"""Contact imports as background jobs: the report, restarts, the rules on operations, the admin page and the API."""

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from kombu.exceptions import OperationalError as KombuOperationalError

from audit.models import AuditEvent
from directory import importing, ingestion
from directory.models import Contact, ContactImport, ContactImportFile, ContactImportPart, ListedNumber, Operation
from directory.signals import contacts_added
from directory.tasks import requeue_stalled_imports_task, run_contact_import_task
from tests.factories import ContactFactory, ListedNumberFactory, OperationFactory, StaffFactory

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "import_files"
HEADER = "number,occurred_at,channel,operation\n"


def record_calls(function, calls: list):
    def recorded(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)

    return recorded


def killed_after_one_batch(monkeypatch, run) -> None:
    """`run` an import in a worker that dies right after committing its first batch."""
    commit_batch = importing._commit_batch

    def die_after_the_first(*args, **kwargs):
        commit_batch(*args, **kwargs)
        raise SystemExit("worker killed")

    monkeypatch.setattr(importing, "_commit_batch", die_after_the_first)
    with pytest.raises(SystemExit):
        run()
    monkeypatch.setattr(importing, "_commit_batch", commit_batch)


def golden(name: str) -> list[tuple]:
    """A report as the row-by-row import of before the jobs gave it (kept as CSV)."""
    with (FILES / name).open(newline="") as file:
        return [(int(row["row"]), row["outcome"], row["number"], row["message"]) for row in csv.DictReader(file)]


def as_tuples(rows) -> list[tuple]:
    return [(row.row, row.outcome, row.number, row.message) for row in rows]


def bad_rows_directory():
    """What bad_rows.csv expects to find: a removed number, one under review, one contact already there."""
    ListedNumberFactory(e164="+12065550100", status=ListedNumber.Status.REMOVED, status_reason="disputed")
    ListedNumberFactory(e164="+12065550101", status=ListedNumber.Status.UNDER_REVIEW)
    ContactFactory(number=ListedNumberFactory(e164="+12065550102"), operation=OperationFactory(name="Existing op"))


@pytest.fixture
def queue_and_run(django_capture_on_commit_callbacks):
    """Queue an import as the API does; its task runs (eagerly) once the request's transaction commits."""

    def run(data: bytes, **options) -> ContactImport:
        with django_capture_on_commit_callbacks(execute=True):
            contact_import = importing.create_import(data=data, filename="contacts.csv", **options)
        contact_import.refresh_from_db()
        return contact_import

    return run


@pytest.fixture
def small_batches(settings):
    """Batches of 100 rows, in one part (on every database)."""
    settings.CONTACT_IMPORT_BATCH_ROWS = 100
    settings.CONTACT_IMPORT_PARTS = 1


def test_the_job_reports_the_sample_directory_as_the_row_by_row_import_did(samples, queue_and_run, small_batches):
    job = queue_and_run((samples / "contacts.csv").read_bytes(), create_operations=True)

    assert job.status == ContactImport.Status.DONE
    assert job.counts == {"added": 1022, "skipped": 0, "rejected": 6}
    assert as_tuples(importing.report_rows(job)) == golden("sample_contacts.report.csv")
    assert (job.processed_rows, job.total_rows, job.percent) == (1028, 1028, 100)


def test_the_job_reports_every_kind_of_bad_row_as_the_row_by_row_import_did(queue_and_run):
    bad_rows_directory()
    job = queue_and_run((FILES / "bad_rows.csv").read_bytes(), create_operations=True)
    assert as_tuples(importing.report_rows(job)) == golden("bad_rows.report.csv")
    assert ListedNumber.objects.get(e164="+12065550100").status == ListedNumber.Status.REMOVED
    assert ListedNumber.objects.get(e164="+12065550101").status == ListedNumber.Status.UNDER_REVIEW


def test_the_synchronous_import_gives_the_jobs_report(samples):
    report = importing.import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)
    assert as_tuples(report.rows) == golden("sample_contacts.report.csv")


def test_a_reimport_adds_nothing_and_history_is_kept_once(samples, queue_and_run, small_batches):
    data = (samples / "contacts.csv").read_bytes()
    queue_and_run(data, create_operations=True)
    histories = (Contact.history.count(), ListedNumber.history.count())
    assert histories == (1022, ListedNumber.objects.count())
    assert set(Contact.history.values_list("history_type", flat=True)) == {"+"}

    again = queue_and_run(data, create_operations=True)

    assert again.counts == {"added": 0, "skipped": 1022, "rejected": 6}
    assert (Contact.objects.count(), Contact.history.count(), ListedNumber.history.count()) == (1022, *histories)


def test_contact_summaries_are_refreshed_for_the_numbers_that_gained_contacts(queue_and_run):
    number = ListedNumberFactory(e164="+12062264011", first_contact_at=None, contact_count=0)
    ContactFactory(number=number, operation=OperationFactory(name="Op"))  # 2024-03-01 12:00 UTC
    data = HEADER + "+12062264011,2023-08-26T13:38:00+00:00,call,Op\n(206) 226-4011,2024-05-27T16:26:00Z,text,Op\n"
    queue_and_run(data.encode())
    number.refresh_from_db()
    assert number.contact_count == 3
    assert number.first_contact_at.isoformat() == "2023-08-26T13:38:00+00:00"
    assert number.last_contact_at.isoformat() == "2024-05-27T16:26:00+00:00"


def test_a_job_whose_worker_died_after_its_first_batch_doubles_nothing(samples, small_batches, monkeypatch):
    """The worker dies after committing one batch; the job run again goes on from there."""
    data = (samples / "contacts.csv").read_bytes()
    job = importing.create_import(data=data, create_operations=True, queue=False)
    killed_after_one_batch(monkeypatch, lambda: importing.run_import(str(job.pk)))
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.batches.count()) == (ContactImport.Status.RUNNING, 100, 1)

    importing.run_import(str(job.pk))  # the re-delivered task
    importing.run_import(str(job.pk))  # and once more, after the job ended: nothing happens

    job.refresh_from_db()
    assert job.status == ContactImport.Status.DONE
    assert as_tuples(importing.report_rows(job)) == golden("sample_contacts.report.csv")
    assert (Contact.objects.count(), Contact.history.count()) == (1022, 1022)


@pytest.mark.real_servers  # SQLite's writers wait for each other: the deletion cannot come in between there
@pytest.mark.django_db(transaction=True)
def test_a_number_deleted_while_its_batch_is_written_is_added_again(monkeypatch):
    """The retention purge deletes a listed number after the batch looked it up: the batch is written again."""
    number = ListedNumberFactory(e164="+12062264011")
    OperationFactory(name="Op")
    known = ingestion._known

    def deleted_meanwhile(e164s):
        found = known(e164s)
        monkeypatch.setattr(ingestion, "_known", known)
        other = connections.create_connection("default")  # another process, its deletion committed at once
        try:
            with other.cursor() as cursor:
                cursor.execute("DELETE FROM directory_listednumber WHERE id = %s", [number.pk])
        finally:
            other.close()
        return found

    monkeypatch.setattr(ingestion, "_known", deleted_meanwhile)
    report = importing.import_contacts((HEADER + "+12062264011,2024-03-02T10:00:00Z,call,Op\n").encode())
    assert as_tuples(report.rows) == [(2, "added", "+12062264011", "")]
    listed = ListedNumber.objects.get(e164="+12062264011")
    assert listed.pk != number.pk
    assert (listed.contact_count, listed.contacts.count()) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_a_batch_written_again_creates_its_new_operation_again(monkeypatch):
    """The first attempt's new operation went with its rollback: the second attempt must not use it."""
    number = ListedNumberFactory(e164="+12062264011")
    known = ingestion._known

    def deleted_meanwhile(e164s):
        found = known(e164s)
        monkeypatch.setattr(ingestion, "_known", known)
        # As the retention purge's deletion, committed before this batch: the batch's commit fails.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM directory_listednumber WHERE id = %s", [number.pk])
        return found

    monkeypatch.setattr(ingestion, "_known", deleted_meanwhile)
    data = (HEADER + "+12062264011,2024-03-02T10:00:00Z,call,New op\n").encode()
    report = importing.import_contacts(data, create_operations=True)
    assert as_tuples(report.rows) == [(2, "added", "+12062264011", "")]
    assert Contact.objects.get().operation == Operation.objects.get(name="New op")


@pytest.mark.django_db(transaction=True)
def test_the_curator_deleted_while_the_import_runs_does_not_stop_it(monkeypatch, small_batches, samples):
    curator = StaffFactory()
    job = importing.create_import(
        data=(samples / "contacts.csv").read_bytes(), actor=curator, create_operations=True, queue=False
    )
    commit_batch = importing._commit_batch

    def then_the_curator_goes(contact_import, book, part, batch, rows):
        commit_batch(contact_import, book, part, batch, rows)
        if batch.index == 0:
            type(curator).objects.filter(pk=curator.pk).delete()

    monkeypatch.setattr(importing, "_commit_batch", then_the_curator_goes)
    importing.run_import(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.counts["added"]) == (ContactImport.Status.DONE, 1022)


def test_a_time_out_of_range_is_rejected_on_its_row():
    OperationFactory(name="Op")
    data = (
        HEADER + "+12062264011,0001-01-01T00:00:00+01:00,call,Op\n+12062264012,2024-03-02T10:00:00+05:30:15,call,Op\n"
    )
    report = importing.import_contacts(data.encode())
    assert as_tuples(report.rows) == [
        (2, "rejected", "+12062264011", "occurred_at '0001-01-01T00:00:00+01:00' is out of range"),
        (3, "added", "+12062264012", ""),
    ]
    assert Contact.objects.get().occurred_at == datetime(2024, 3, 2, 4, 29, 45, tzinfo=UTC)


def test_a_batch_written_twice_adds_nothing_the_second_time(samples):
    """Two workers on one batch (a message delivered twice): the unique constraints keep one contact each."""
    job = importing.create_import(data=(samples / "contacts.csv").read_bytes(), create_operations=True, queue=False)
    columns, rows, _ = importing.open_rows((samples / "contacts.csv").read_bytes())
    batch = next(importing._batches(rows, job.batch_rows)).rows
    book = importing.OperationBook(job)
    first = importing.import_batch(book, importing.read_batch(batch, columns))
    second = importing.import_batch(book, importing.read_batch(batch, columns))
    assert importing.ImportReport(first.rows).counts == {"added": 1022, "skipped": 0, "rejected": 6}
    assert importing.ImportReport(second.rows).counts == {"added": 0, "skipped": 1022, "rejected": 6}
    assert second.new_contacts == []
    assert Contact.objects.count() == 1022


def test_a_job_that_keeps_killing_its_worker_is_stopped(samples):
    job = importing.create_import(data=(samples / "contacts.csv").read_bytes(), queue=False)
    job.parts.update(attempts=importing.MAX_ATTEMPTS)
    importing.run_import(str(job.pk))
    job.refresh_from_db()
    assert job.status == ContactImport.Status.FAILED
    assert "stopped a worker 5 times" in job.error
    assert not ContactImportFile.objects.exists()


def test_the_upload_is_deleted_when_the_job_ends(samples, queue_and_run):
    queue_and_run((samples / "contacts.csv").read_bytes(), create_operations=True)
    assert ContactImport.objects.count() == 1
    assert not ContactImportFile.objects.exists()


def test_a_file_broken_half_way_fails_the_job_with_its_row_and_keeps_what_was_imported(queue_and_run, small_batches):
    lines = [f"+1206226{4000 + i},2023-08-26T13:38:00+00:00,call,Op" for i in range(150)]
    broken = "+12062265000,2023-08-26T13:38:00+00:00,call," + "x" * 200_000  # longer than a CSV field may be
    OperationFactory(name="Op")
    job = queue_and_run((HEADER + "\n".join([*lines, broken]) + "\n").encode())
    assert job.status == ContactImport.Status.FAILED
    assert job.counts["added"] == 100  # the first batch, committed before the bad line was read
    assert "at line 152; the batches before it were imported" in job.error
    assert not ContactImportFile.objects.exists()


def test_new_contacts_are_announced_once_per_batch(samples, queue_and_run, small_batches):
    announced = []

    def receiver(sender, contact_ids, **kwargs):
        announced.append(contact_ids)

    contacts_added.connect(receiver)
    try:
        queue_and_run((samples / "contacts.csv").read_bytes(), create_operations=True)
    finally:
        contacts_added.disconnect(receiver)
    assert len(announced) == 11  # 1,028 rows in batches of 100
    assert sorted(id for ids in announced for id in ids) == sorted(Contact.objects.values_list("pk", flat=True))


# A long file shared into parts, written side by side


@pytest.fixture
def two_parts(settings):
    settings.CONTACT_IMPORT_PARTS = 2
    settings.CONTACT_IMPORT_BATCH_ROWS = 100


def test_a_file_shared_into_two_parts_gets_the_report_of_one_process(samples, queue_and_run, two_parts):
    job = queue_and_run((samples / "contacts.csv").read_bytes(), create_operations=True)

    assert job.part_count == 2
    assert set(job.batches.values_list("part", flat=True)) == {0, 1}
    assert job.status == ContactImport.Status.DONE
    assert as_tuples(importing.report_rows(job)) == golden("sample_contacts.report.csv")
    assert (job.counts, job.processed_rows) == ({"added": 1022, "skipped": 0, "rejected": 6}, 1028)


def test_every_kind_of_bad_row_is_reported_as_before_when_shared_into_parts(queue_and_run, two_parts, settings):
    settings.CONTACT_IMPORT_BATCH_ROWS = 5
    bad_rows_directory()
    job = queue_and_run((FILES / "bad_rows.csv").read_bytes(), create_operations=True)
    assert job.part_count == 2
    assert as_tuples(importing.report_rows(job)) == golden("bad_rows.report.csv")
    created = Operation.objects.exclude(name="Existing op").count()
    assert AuditEvent.objects.filter(action="directory.operation_added").count() == created > 0


def test_a_number_written_two_ways_is_one_parts_so_its_repeat_is_skipped(queue_and_run, two_parts, settings):
    """The same contact, written as +1 and nationally, in different batches: the first row adds it."""
    settings.CONTACT_IMPORT_BATCH_ROWS = 2
    OperationFactory(name="Op")
    rows = [f"+1206226{4000 + i},2024-03-02T10:00:00Z,call,Op" for i in range(4)]
    rows += ["(206) 226-4000,2024-03-02T10:00:00Z,call,Op", "206.226.4003,2024-03-02T10:00:00Z,call,Op"]
    job = queue_and_run((HEADER + "\n".join(rows) + "\n").encode())
    assert job.part_count == 2
    outcomes = [(row.row, row.outcome) for row in importing.report_rows(job)]
    assert outcomes == [(2, "added"), (3, "added"), (4, "added"), (5, "added"), (6, "skipped"), (7, "skipped")]


def test_parts_resume_on_their_own_and_the_last_to_finish_ends_the_job(samples, two_parts, monkeypatch):
    data = (samples / "contacts.csv").read_bytes()
    job = importing.create_import(data=data, create_operations=True, queue=False)
    killed_after_one_batch(monkeypatch, lambda: importing.run_import(str(job.pk), 0))
    importing.run_import(str(job.pk), 1)
    job.refresh_from_db()
    assert job.status == ContactImport.Status.RUNNING  # part 0 has one batch of eleven
    assert [part.finished_at is None for part in job.parts.all()] == [True, False]

    importing.run_import(str(job.pk), 0)  # its message delivered again
    importing.run_import(str(job.pk), 1)  # and part 1's: it has finished, nothing happens

    job.refresh_from_db()
    assert job.status == ContactImport.Status.DONE
    assert as_tuples(importing.report_rows(job)) == golden("sample_contacts.report.csv")
    assert (Contact.objects.count(), Contact.history.count()) == (1022, 1022)
    assert job.parts.get(number=0).attempts == 2


def test_only_a_stalled_part_is_sent_again(samples, two_parts, settings):
    job = importing.create_import(data=(samples / "contacts.csv").read_bytes(), create_operations=True, queue=False)
    importing.run_import(str(job.pk), 1)
    settings.SCREENING_STALL_SECONDS = 0
    assert importing.stalled_parts() == [(str(job.pk), 0)]


def test_a_file_broken_half_way_fails_once_every_part_has_read_up_to_it(queue_and_run, two_parts):
    lines = [f"+1206226{4000 + i},2023-08-26T13:38:00+00:00,call,Op" for i in range(250)]
    broken = "+12062265000,2023-08-26T13:38:00+00:00,call," + "x" * 200_000
    OperationFactory(name="Op")
    job = queue_and_run((HEADER + "\n".join([*lines, broken]) + "\n").encode())
    assert job.status == ContactImport.Status.FAILED
    assert job.counts["added"] == 200  # both parts' first two batches, read before the bad line
    assert "at line 252; the batches before it were imported" in job.error
    assert ContactImportPart.objects.filter(contact_import=job, error=job.error).count() == 2


def test_a_part_stopped_for_good_ends_the_whole_job(samples, two_parts):
    job = importing.create_import(data=(samples / "contacts.csv").read_bytes(), create_operations=True, queue=False)
    job.parts.filter(number=1).update(attempts=importing.MAX_ATTEMPTS)
    importing.run_import(str(job.pk), 1)
    importing.run_import(str(job.pk), 0)  # the other part, sent before: the job has ended
    job.refresh_from_db()
    assert job.status == ContactImport.Status.FAILED
    assert "stopped a worker 5 times" in job.error
    assert Contact.objects.count() == 0


def test_parts_stop_on_time_and_go_on_where_they_stopped(samples, queue_and_run, two_parts, settings, monkeypatch):
    """Each task of a part writes one batch, then sends itself again (to the bulk queue); nothing is read twice."""
    settings.CONTACT_IMPORT_SLICE_SECONDS = 0
    sent, apply_async = [], run_contact_import_task.apply_async

    def send(args, **options):
        sent.append((args[1], options["queue"]))
        return apply_async(args, **options)

    monkeypatch.setattr(run_contact_import_task, "apply_async", send)
    read = []
    monkeypatch.setattr(importing, "read_batch", record_calls(importing.read_batch, read))

    job = queue_and_run((samples / "contacts.csv").read_bytes(), create_operations=True)

    assert job.status == ContactImport.Status.DONE
    assert as_tuples(importing.report_rows(job)) == golden("sample_contacts.report.csv")
    assert sorted(sent) == sorted([(0, "bulk"), (1, "bulk")] * 12)  # 11 batches each, then the finishing task
    assert len(read) == 22  # each batch of the file read once by each part
    assert set(job.parts.values_list("attempts", flat=True)) == {1}


def test_a_part_goes_on_after_a_row_of_several_lines(queue_and_run, two_parts, settings):
    """Where a part stopped is counted in the file's lines, which a quoted cell may break."""
    settings.CONTACT_IMPORT_SLICE_SECONDS = 0
    settings.CONTACT_IMPORT_BATCH_ROWS = 2
    OperationFactory(name="Op")
    rows = [f"+1206226{4000 + i},2024-03-02T10:00:00Z,call,Op" for i in range(6)]
    rows[1] = '+12062264001,2024-03-02T10:00:00Z,call,"Op\nsecond line"'
    rows.insert(3, "")
    data = (HEADER + "\n".join(rows) + "\n").encode()

    job = queue_and_run(data)

    outcomes = [(row.row, row.outcome) for row in importing.report_rows(job)]
    assert outcomes == [(2, "added"), (3, "rejected"), (4, "added"), (6, "added"), (7, "added"), (8, "added")]


def test_a_broker_away_when_a_part_sends_itself_again_only_delays_it(samples, queue_and_run, two_parts, settings):
    """The part stays unfinished, and the stalled-import check sends it again."""
    settings.CONTACT_IMPORT_SLICE_SECONDS = 0
    sent, apply_async = [], run_contact_import_task.apply_async

    def broker_away_once_started(args, **options):
        sent.append(args[1])
        if args[1] == 0 and sent.count(0) == 2:  # part 0 sending itself again, after its first slice
            raise KombuOperationalError("Connection refused")
        return apply_async(args, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_contact_import_task, "apply_async", broker_away_once_started)
        job = queue_and_run((samples / "contacts.csv").read_bytes(), create_operations=True)
    assert (job.status, job.error) == (ContactImport.Status.RUNNING, "")
    assert ContactImportFile.objects.filter(contact_import=job).exists()

    settings.SCREENING_STALL_SECONDS = 0
    settings.CONTACT_IMPORT_SLICE_SECONDS = 600
    requeue_stalled_imports_task()

    job.refresh_from_db()
    assert job.status == ContactImport.Status.DONE
    assert as_tuples(importing.report_rows(job)) == golden("sample_contacts.report.csv")


def test_a_part_sent_again_under_a_new_lease_stops_its_older_task(samples, two_parts):
    job = importing.create_import(data=(samples / "contacts.csv").read_bytes(), create_operations=True, queue=False)
    older = job.parts.get(number=0).lease
    importing.requeue_part(str(job.pk), 0)  # eager: the new task imports the part
    newer = job.parts.get(number=0).lease
    assert newer != older
    batches = job.batches.count()

    assert importing.run_import(str(job.pk), 0, lease=older, deadline=0) is False
    assert importing.run_import(str(job.pk), 1, lease=job.parts.get(number=1).lease, deadline=0) is True
    assert job.batches.filter(part=0).count() == 11
    assert job.batches.count() == batches + 1


def test_a_running_imports_report_pages_show_only_batches_every_part_has_written(samples, two_parts, staff_api):
    job = importing.create_import(data=(samples / "contacts.csv").read_bytes(), create_operations=True, queue=False)
    url = reverse("api:contact-import-rows", args=[job.pk])
    importing.run_import(str(job.pk), 0)  # part 0 has written every batch, part 1 none
    importing.run_import(str(job.pk), 1, deadline=0)  # part 1 its first
    first = staff_api.get(url, {"page_size": 500}).json()
    assert first["count"] == len(first["results"]) > 0
    assert [row["row"] for row in first["results"]] == list(range(2, 102))  # batch 0

    importing.run_import(str(job.pk), 1)
    page = staff_api.get(url).json()
    rows = page["results"]
    while page["next"]:
        page = staff_api.get(page["next"]).json()
        rows += page["results"]
    assert [tuple(row.values()) for row in rows] == golden("sample_contacts.report.csv")


@pytest.mark.django_db(transaction=True)
def test_migrating_back_past_parts_is_refused_once_an_import_was_written_in_parts(samples, two_parts):
    job = importing.create_import(data=(samples / "contacts.csv").read_bytes(), create_operations=True, queue=False)
    importing.run_import(str(job.pk))
    executor = MigrationExecutor(connection)
    with pytest.raises(RuntimeError, match="written in parts"):
        executor.migrate([("directory", "0009_numbers_compared_bytewise")])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


# Contradictions (issue 14)


@pytest.fixture
def spokane():
    return OperationFactory(name="Spokane 2024", started_on=date(2024, 2, 1), ended_on=date(2024, 3, 17))


def test_a_contact_outside_its_operations_dates_is_rejected_with_the_reason(spokane):
    report = importing.import_contacts(
        (
            HEADER + "+12062264011,2019-02-01T10:00:00+00:00,call,Spokane 2024\n"
            "+12062264012,2024-03-17T23:30:00+00:00,call,Spokane 2024\n"
            "+12062264013,2024-03-17T23:30:00-08:00,call,Spokane 2024\n"
        ).encode()
    )
    assert [row.outcome for row in report.rows] == ["rejected", "added", "rejected"]
    assert report.rows[0].message == (
        "occurred 2019-02-01 (UTC), outside operation 'Spokane 2024' (2024-02-01 – 2024-03-17)"
    )
    assert "occurred 2024-03-18 (UTC)" in report.rows[2].message  # the day the evidence would show
    assert list(Contact.objects.values_list("number__e164", flat=True)) == ["+12062264012"]


def test_outside_dates_are_accepted_and_flagged_when_the_import_allows_it(spokane):
    report = importing.import_contacts(
        (HEADER + "+12062264011,2019-02-01T10:00:00+00:00,call,Spokane 2024\n").encode(), allow_outside_operation=True
    )
    row = report.rows[0]
    assert row.outcome == "added"
    assert "outside operation 'Spokane 2024'" in row.message
    assert "accepted as the import allows" in row.message
    assert Contact.objects.count() == 1


def test_an_operation_with_one_date_bounds_one_side():
    OperationFactory(name="Open ended", started_on=date(2024, 2, 1))
    report = importing.import_contacts(
        (
            HEADER
            + "+12062264011,2030-01-01T00:00:00Z,call,Open ended\n+12062264012,2024-01-31T12:00:00Z,call,Open ended\n"
        ).encode()
    )
    assert [row.outcome for row in report.rows] == ["added", "rejected"]
    assert "(2024-02-01 – …)" in report.rows[1].message


def test_an_unknown_operation_is_reported_unless_the_import_creates_it():
    data = (HEADER + "+12062264011,2024-02-01T10:00:00Z,call,Nowhere\n").encode()
    report = importing.import_contacts(data)
    assert report.rows[0].outcome == "rejected"
    assert report.rows[0].message.startswith("unknown operation 'Nowhere'")
    assert not Operation.objects.exists()

    report = importing.import_contacts(data, create_operations=True)
    assert report.rows[0].outcome == "added"
    assert Operation.objects.get().name == "Nowhere"
    assert AuditEvent.objects.filter(action="directory.operation_added").count() == 1


# The management command


def test_the_command_queues_the_import_and_says_where_to_follow_it(samples, capsys):
    call_command("import_contacts", str(samples / "contacts.csv"), "--create-operations")
    job = ContactImport.objects.get()
    out = capsys.readouterr().out
    assert f"Import {job.pk} queued (1028 rows)" in out
    assert f"/admin/directory/contact/import/{job.pk}/" in out
    assert job.status == ContactImport.Status.QUEUED
    assert job.create_operations


def test_the_command_with_wait_imports_here_with_its_options(tmp_path, capsys, spokane):
    path = tmp_path / "contacts.csv"
    path.write_text(
        HEADER + "+12062264011,2019-02-01T10:00:00Z,call,Spokane 2024\n+12062264012,2024-02-02T10:00:00Z,call,New\n"
    )
    call_command("import_contacts", str(path), "--wait")
    assert "0 added, 0 skipped as already present, 2 rejected" in capsys.readouterr().out

    call_command("import_contacts", str(path), "--wait", "--allow-outside-operation", "--create-operations")
    out = capsys.readouterr().out
    assert "row 2: added +12062264011 occurred 2019-02-01 (UTC), outside operation 'Spokane 2024'" in out
    assert "2 added, 0 skipped as already present, 0 rejected" in out


# The admin page


@pytest.fixture
def curator_client(client, staff):
    client.force_login(staff)
    return client


def test_the_admin_page_queues_the_import_then_shows_the_report(
    curator_client, samples, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("contacts.csv", (samples / "contacts.csv").read_bytes(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = curator_client.post(
            reverse("admin:directory_contact_import"), {"file": upload, "create_operations": "on"}
        )
    job = ContactImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:directory_contact_import_status", args=[job.pk])

    page = curator_client.get(response["Location"])

    assert b"Added 1022, skipped 0 as already present, rejected 6." in page.content
    assert b"number &#x27;020 7946 0958&#x27;: too long" in page.content
    assert b"report.csv" in page.content
    assert b"progress.js" not in page.content


def test_the_admin_status_page_shows_a_progress_bar_while_the_job_runs(curator_client, samples):
    job = importing.create_import(data=(samples / "contacts.csv").read_bytes(), queue=False)
    page = curator_client.get(reverse("admin:directory_contact_import_status", args=[job.pk]))
    assert b'<progress id="progress-bar"' in page.content
    assert b"js/progress.js" in page.content
    progress = curator_client.get(reverse("admin:directory_contact_import_progress", args=[job.pk])).json()
    assert progress == {"status": "Queued", "processed": 0, "total": 1028, "percent": 0, "finished": False}


def test_the_admin_report_downloads_as_csv_escaped_against_formulas(curator_client, queue_and_run):
    bad_rows_directory()
    job = queue_and_run((FILES / "bad_rows.csv").read_bytes(), create_operations=True)
    response = curator_client.get(reverse("admin:directory_contact_import_report", args=[job.pk]))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "row,outcome,number,message"
    assert len(lines) == 1 + len(golden("bad_rows.report.csv"))
    assert lines[-2].startswith("28,rejected,\"'=HYPERLINK(")
    assert lines[-1] == "29,added,'+12062264013,"
    assert AuditEvent.objects.filter(action="directory.import_report_exported").exists()


def test_the_admin_checkbox_accepts_contacts_outside_their_operations_dates(curator_client, spokane):
    data = (HEADER + "+12062264011,2019-02-01T10:00:00Z,call,Spokane 2024\n").encode()
    upload = SimpleUploadedFile("contacts.csv", data, content_type="text/csv")
    curator_client.post(reverse("admin:directory_contact_import"), {"file": upload, "allow_outside_operation": "on"})
    job = ContactImport.objects.get()
    assert (job.allow_outside_operation, job.create_operations) == (True, False)
    importing.run_import(str(job.pk))
    page = curator_client.get(reverse("admin:directory_contact_import_status", args=[job.pk]))
    assert b"Added 1, skipped 0 as already present, rejected 0." in page.content
    assert b"Contacts outside their operation's dates are accepted and flagged." in page.content


def test_the_admin_page_explains_a_broken_file_at_once(curator_client):
    upload = SimpleUploadedFile("contacts.csv", b"phone,when\n1,2\n", content_type="text/csv")
    response = curator_client.post(reverse("admin:directory_contact_import"), {"file": upload})
    assert b"no column named number" in response.content
    assert not ContactImport.objects.exists()


def test_org_members_cannot_reach_an_import(client, samples, legal):
    job = importing.create_import(data=(samples / "contacts.csv").read_bytes(), queue=False)
    client.force_login(legal)
    response = client.get(reverse("admin:directory_contact_import_status", args=[job.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# The API


@pytest.fixture
def staff_api(api_client, staff):
    api_client.force_authenticate(staff)
    return api_client


def test_the_api_answers_202_with_the_jobs_url(staff_api, samples, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("contacts.csv", (samples / "contacts.csv").read_bytes(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(
            "/api/v1/contacts/import/", {"file": upload, "create_operations": "true"}, format="multipart"
        )
    assert response.status_code == 202
    job = ContactImport.objects.get()
    assert response.json() == {"id": str(job.pk), "status": "queued", "url": f"/api/v1/contacts/imports/{job.pk}/"}

    status = staff_api.get(response.json()["url"]).json()

    assert status["status"] == "done"
    assert status["progress"] == {"processed": 1028, "total": 1028}
    assert status["counts"] == {"added": 1022, "skipped": 0, "rejected": 6}
    assert (status["create_operations"], status["allow_outside_operation"]) == (True, False)
    rows = staff_api.get(status["rows_url"], {"page": 21}).json()
    assert rows["count"] == 1028
    assert [row["row"] for row in rows["results"]] == list(range(1002, 1030))
    rejected = staff_api.get(status["rows_url"], {"outcome": "rejected"}).json()
    assert [row["row"] for row in rejected["results"]] == [1021, 1022, 1024, 1026, 1027, 1028]
    assert rejected["results"][0] == {
        "row": 1021,
        "outcome": "rejected",
        "number": "020 7946 0958",
        "message": "number '020 7946 0958': too long",
    }
    csv_lines = b"".join(staff_api.get(status["csv_url"]).streaming_content).decode().splitlines()
    assert len(csv_lines) == 1029


def test_report_pages_span_batches(staff_api, samples, small_batches):
    report = importing.import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)
    job = ContactImport.objects.get()
    url = reverse("api:contact-import-rows", args=[job.pk])
    rows = []
    page = staff_api.get(url, {"page_size": 70}).json()
    rows += page["results"]
    while page["next"]:
        page = staff_api.get(page["next"]).json()
        rows += page["results"]
    assert [tuple(row.values()) for row in rows] == as_tuples(report.rows)


def test_the_api_refuses_a_broken_file_at_once(staff_api):
    upload = SimpleUploadedFile("contacts.csv", b"phone,when\n1,2\n", content_type="text/csv")
    response = staff_api.post("/api/v1/contacts/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "no column named number" in response.json()["detail"]


@pytest.mark.parametrize("suffix", ["", "rows/", "report.csv"])
def test_only_staff_read_an_import(api_client, legal, samples, suffix):
    job = importing.create_import(data=(samples / "contacts.csv").read_bytes(), queue=False)
    url = f"/api/v1/contacts/imports/{job.pk}/{suffix}"
    assert api_client.get(url).status_code == 401
    api_client.force_authenticate(legal)
    assert api_client.get(url).status_code == 403
