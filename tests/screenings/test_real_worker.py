"""A screening through Redis and real Celery worker processes against PostgreSQL,
with a worker killed (SIGKILL) in the middle: the results must equal an undisturbed run."""

import os
import signal
import time

import pytest

from directory.importing import import_contacts
from screenings.models import Screening
from screenings.tasks import requeue_stalled_screenings_task
from tests.factories import MembershipFactory
from tests.screenings.workers import (
    company_list,
    finished,
    pool_processes,
    run_python,
    run_screening,
    screen_on_own_worker,
    snapshot,
    start_worker,
    stop,
    wait_until,
    worker_env,
)

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]


def test_a_killed_worker_loses_and_doubles_nothing(real_broker, samples, hr, settings):
    import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)
    data = company_list(samples)

    expected = snapshot(screen_on_own_worker("steady", hr.membership, data))
    assert expected[0] == "done" and expected[2] == 20_000

    victim = start_worker("victim")
    disturbed = run_screening(hr.membership, data)
    try:
        in_the_middle = wait_until(
            lambda: 0 < Screening.objects.get(pk=disturbed).processed_rows < 10_000, timeout=120, interval=0.01
        )
        assert in_the_middle, "the job never got going"
    finally:
        stop(victim, signal.SIGKILL)
    assert not finished(disturbed)

    survivor = start_worker("survivor")
    try:
        settings.SCREENING_STALL_SECONDS = 1
        time.sleep(1.5)
        requeue_stalled_screenings_task()  # what beat runs every minute
        assert wait_until(lambda: finished(disturbed), timeout=300), "the disturbed run did not finish"
    finally:
        stop(survivor)
    got = snapshot(disturbed)
    assert got[:4] == expected[:4]
    assert got[4] == expected[4]


def test_two_machines_share_one_screening_and_the_result_is_exact(real_broker, samples, hr, tmp_path, settings):
    """Two workers that share nothing but PostgreSQL and Redis (own VAR_DIR, own host name) both take
    chunks of one screening, and the result equals the undisturbed run's."""
    import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)
    data = company_list(samples)
    logs = {name: tmp_path / f"{name}.log" for name in ("machine-a", "machine-b")}
    workers = [start_worker(name, var_dir=tmp_path / name, log=log) for name, log in logs.items()]
    try:
        shared = run_screening(hr.membership, data)
        assert wait_until(lambda: finished(shared), timeout=300), "the shared run did not finish"
    finally:
        for worker in workers:
            stop(worker)
    alone = screen_on_own_worker("alone", hr.membership, data)
    assert snapshot(shared) == snapshot(alone)
    assert snapshot(shared)[0] == "done"
    for name, log in logs.items():
        chunks = log.read_text().count("screenings.tasks.process_chunk_task[")
        assert chunks > 0, f"{name} processed no chunk"


def test_a_small_screening_is_not_stuck_behind_a_big_one(real_broker, samples, hr, settings):
    """A short list uploaded while another organization's long list has all its chunks waiting is done
    while the long one still runs: its work does not queue behind the long one's."""
    settings.SCREENING_INTERACTIVE_ROWS = 1000
    worker = start_worker("busy", SCREENING_INTERACTIVE_ROWS=1000)
    try:
        big = run_screening(MembershipFactory(role="hr"), company_list(samples, copies=300))
        split = wait_until(lambda: Screening.objects.get(pk=big).total_rows, timeout=120, interval=0.01)
        assert split, "the long list was never split"
        small = run_screening(hr.membership, b"phone\n" + b"\n".join(b"20655501%02d" % n for n in range(100)) + b"\n")
        assert wait_until(lambda: finished(small), timeout=120), "the short list did not finish"
        assert Screening.objects.get(pk=small).status == "done"
        long_list = Screening.objects.get(pk=big)
        assert (long_list.status, long_list.processed_rows < long_list.total_rows) == ("running", True)
    finally:
        stop(worker)


@pytest.mark.parametrize("broker", ["redis", "filesystem"])
def test_a_killed_pool_process_loses_nothing_and_term_still_stops_the_worker(
    real_broker, samples, hr, settings, tmp_path, broker
):
    """kill -9 of the pool processes mid-screening, on Redis and on the file-system broker of `make run`:
    the work they held is noticed by the periodic requeue and finished exactly once; then a TERM stops
    the worker within its soft time limit.

    On the file-system broker, tasks are queued by processes that share the worker's broker folder
    (as `make run`'s web server does), not by this test's process.
    """
    import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)
    data = company_list(samples)
    broker_env = {"CELERY_BROKER_URL": "filesystem://", "VAR_DIR": tmp_path / "var"} if broker == "filesystem" else {}
    env = worker_env(CELERY_TASK_SOFT_TIME_LIMIT=20, **broker_env)

    def queue(task: str, *args) -> None:
        if broker == "filesystem":
            run_python(env, f"from screenings.tasks import {task}\n{task}.delay(*{args!r})")

    def requeue_stalled() -> None:
        if broker == "filesystem":
            run_python(
                {**env, "SCREENING_STALL_SECONDS": "1"},
                "from screenings import tasks\ntasks.requeue_stalled_screenings_task()",
            )
        else:
            requeue_stalled_screenings_task()

    worker = start_worker("pool", CELERY_TASK_SOFT_TIME_LIMIT=20, **broker_env)
    try:
        first = run_screening(hr.membership, data)
        queue("prepare_screening_task", first)
        assert wait_until(lambda: finished(first), timeout=300)
        expected = snapshot(first)
        second = run_screening(hr.membership, data)
        queue("prepare_screening_task", second)
        assert wait_until(lambda: 0 < Screening.objects.get(pk=second).processed_rows < 10_000, 120, 0.01)
        for pid in pool_processes(worker):
            os.kill(pid, signal.SIGKILL)
        settings.SCREENING_STALL_SECONDS = 1
        assert wait_until(lambda: requeue_stalled() or finished(second), timeout=180, interval=2)
        assert snapshot(second) == expected
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=20)  # the soft time limit; raises TimeoutExpired if the worker hangs
    finally:
        stop(worker)
