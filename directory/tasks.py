from celery import shared_task

from directory.retention import purge_expired_directory


@shared_task
def purge_expired_directory_task() -> None:
    purge_expired_directory()
