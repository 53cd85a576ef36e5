"""A real Celery worker killed in the middle of a contact import (real-server pass): the job, sent again,
ends with every contact once and the report of an undisturbed import."""

import signal
import time

import pytest

from config.celery_app import app as celery_app
from directory import importing
from directory.models import Contact, ContactImport
from directory.tasks import requeue_stalled_imports_task
from tests.factories import OperationFactory
from tests.screenings.workers import start_worker, stop, wait_until

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]

ROWS = 30_000
BATCH_ROWS = 1_000


@pytest.fixture
def real_broker(monkeypatch):
    """Tasks go to the real broker; workers import in small batches, so a kill falls in the middle."""
    monkeypatch.setenv("CONTACT_IMPORT_BATCH_ROWS", str(BATCH_ROWS))
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def contacts_file() -> tuple[bytes, list[tuple[int, str]]]:
    """New numbers, repeats of earlier rows (the last third) and bad rows, in one operation; with each row's outcome."""
    lines, outcomes, seen = ["number,occurred_at,channel,operation"], [], set()
    for index in range(ROWS):
        number = index % 20_000
        if index % 50 == 49:
            lines.append(f"not a number {index},2024-02-10T10:00:00Z,call,Bench")
            outcomes.append((index + 2, "rejected"))
            continue
        e164 = f"+1206{200 + number // 10_000}{number % 10_000:04d}"
        lines.append(f"{e164},2024-02-{1 + number % 28:02d}T10:00:00Z,call,Bench")
        outcomes.append((index + 2, "skipped" if number in seen else "added"))
        seen.add(number)
    return ("\n".join(lines) + "\n").encode(), outcomes


def finished(import_id) -> bool:
    return ContactImport.objects.get(pk=import_id).is_finished


def test_a_worker_killed_mid_import_doubles_nothing(real_broker, settings, staff):
    OperationFactory(name="Bench")
    data, outcomes = contacts_file()
    job = importing.create_import(data=data, filename="contacts.csv", actor=staff)
    worker = start_worker("doomed")
    try:
        assert wait_until(lambda: job.batches.count() >= 2, timeout=120, interval=0.01)
    finally:
        stop(worker, signal.SIGKILL)
    job.refresh_from_db()
    assert not job.is_finished, "the import ended before the worker could be killed"

    settings.SCREENING_STALL_SECONDS = 1
    survivor = start_worker("survivor")
    try:
        deadline = time.monotonic() + 300
        while not finished(job.pk) and time.monotonic() < deadline:
            time.sleep(2)
            requeue_stalled_imports_task()  # what beat runs every 30 seconds
    finally:
        stop(survivor)

    job.refresh_from_db()
    assert job.status == ContactImport.Status.DONE
    assert [(row.row, row.outcome) for row in importing.report_rows(job)] == outcomes
    added = sum(1 for _, outcome in outcomes if outcome == "added")
    assert (Contact.objects.count(), Contact.history.count()) == (added, added)
