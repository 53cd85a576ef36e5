"""The Celery worker's process pool, safe when one of its processes is killed on any broker.

With a broker that has no event loop (`make run`'s file-system broker), Celery runs billiard's
blocking pool: every pool process reads its tasks from one shared pipe, and an idle process waits
for the next task *holding the pipe's read lock*. A pool process killed while it waits (kill -9,
the kernel's out-of-memory killer) never releases that lock, so the processes started in its
place, and the others, wait for it forever and the worker takes no more tasks.

Here an idle process waits without the lock and takes it only to read a task that is already
there, so a process killed while idle never holds it. One killed in the microseconds it reads a
task, or writes a result, still can: that window is narrowed, not closed. Redis brokers use
Celery's own pool, where each process has a pipe of its own; this pool changes nothing there.
(The module's name says "prefork": Celery's Django fix-up looks for it to close inherited
database connection pools in the pool processes.)
"""

from billiard.common import pickle_loads
from billiard.pool import Pool, Worker
from celery.concurrency import prefork


class ClaimingWorker(Worker):
    def _make_recv_method(self, conn):
        reader, lock = conn._reader, conn._rlock

        def receive(timeout):
            if not reader.poll(timeout) or not lock.acquire(True, timeout):
                return False, None
            try:
                if not reader.poll(0):  # another pool process took it
                    return False, None
                message = reader.recv_bytes()
            finally:
                lock.release()
            return True, pickle_loads(message)

        return receive


class BlockingPool(Pool):
    Worker = ClaimingWorker


class TaskPool(prefork.TaskPool):
    BlockingPool = BlockingPool
