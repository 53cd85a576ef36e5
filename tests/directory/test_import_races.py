"""A part's claim racing the end of its import, on real PostgreSQL (real-server pass): the job is
locked before its parts everywhere, so they wait for each other instead of deadlocking, and an
ended job stays ended."""

import threading
import time

import pytest
from django.db import connection

from directory import importing
from directory.models import ContactImport

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def running_job(samples, settings):
    """An import in two parts, part 1 a slice in: the job is running."""
    settings.CONTACT_IMPORT_PARTS = 2
    settings.CONTACT_IMPORT_BATCH_ROWS = 100
    job = importing.create_import(data=(samples / "contacts.csv").read_bytes(), create_operations=True, queue=False)
    assert importing.run_import(str(job.pk), 1, deadline=0)
    return job


def in_thread(function, results: dict, key: str) -> threading.Thread:
    def target():
        try:
            results[key] = function()
        except Exception as error:  # noqa: BLE001 - the test reads what each side met
            results[key] = repr(error)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_a_claim_waiting_for_the_import_to_fail_leaves_it_failed(running_job, monkeypatch):
    pk = str(running_job.pk)
    locked, end = threading.Event(), importing._end

    def slow_end(job, status, **fields):  # fail_import holds the job's and the parts' locks here
        locked.set()
        time.sleep(1.0)
        end(job, status, **fields)

    monkeypatch.setattr(importing, "_end", slow_end)
    results = {}
    failing = in_thread(lambda: importing.fail_import(pk, "A part hit a bug."), results, "fail")
    locked.wait(5)
    claiming = in_thread(lambda: importing._claim(pk, 0, None), results, "claim")  # part 0's next task
    failing.join()
    claiming.join()
    running_job.refresh_from_db()
    assert results["claim"] is None
    assert (running_job.status, running_job.error) == (ContactImport.Status.FAILED, "A part hit a bug.")


def test_a_claim_and_the_import_failing_meanwhile_do_not_deadlock(running_job):
    pk = str(running_job.pk)
    claimed = threading.Event()

    def claim_slowly():
        def wrapper(execute, sql, params, many, context):
            if sql.startswith('UPDATE "directory_contactimport"') and not claimed.is_set():
                claimed.set()  # the part's row is locked by now
                time.sleep(0.5)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            return importing._claim(pk, 0, None)

    results = {}
    claiming = in_thread(claim_slowly, results, "claim")
    claimed.wait(5)
    failing = in_thread(lambda: importing.fail_import(pk, "A part hit a bug."), results, "fail")
    failing.join()
    claiming.join()
    assert not any("deadlock" in str(value) for value in results.values()), results
    running_job.refresh_from_db()
    assert running_job.status == ContactImport.Status.FAILED
