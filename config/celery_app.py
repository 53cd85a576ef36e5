import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("accountability")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A pool process collects garbage after this many new container objects, not Python's default 700.
GC_FIRST_GENERATION_THRESHOLD = 10_000


@worker_process_init.connect
def settle_garbage_collector(**kwargs) -> None:
    """Keep the cycle collector from rescanning what every task keeps alive.

    A screening chunk or an import batch makes tens of thousands of small tuples. With Python's
    defaults each chunk set off collections that walked every object of the loaded project
    (Django, phonenumbers' metadata), a fifth of a chunk's time. Objects that exist when the pool
    process starts are moved out of the collector's reach (`gc.freeze`), and it runs less often;
    cycles are still collected.
    """
    gc.freeze()
    gc.set_threshold(GC_FIRST_GENERATION_THRESHOLD, 10, 10)
