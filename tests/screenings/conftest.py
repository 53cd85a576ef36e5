import json

import pytest

from config.celery_app import app as celery_app
from directory.importing import import_contacts
from screenings import services


@pytest.fixture
def directory(samples, db):
    """The sample directory, imported from contacts.csv."""
    import_contacts((samples / "contacts.csv").read_bytes())


@pytest.fixture
def expected(samples):
    return json.loads((samples / "expected.json").read_text())


@pytest.fixture
def screen(django_capture_on_commit_callbacks):
    """Run a screening end to end the way a worker would (tasks run eagerly once committed)."""

    def run(membership, data: bytes, filename: str = "list.csv", **options):
        with django_capture_on_commit_callbacks(execute=True):
            screening = services.create_screening(membership=membership, filename=filename, data=data, **options)
        screening.refresh_from_db()
        return screening

    return run


@pytest.fixture
def real_broker():
    """Tasks go to the real broker for this test instead of running in the test process."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def filesystem_broker(tmp_path, real_broker):
    """This test and the workers it starts share a file-system broker, as `make run` does; yields the
    workers' environment (their VAR_DIR holds the broker's folders, as settings.py lays them out)."""
    var_dir = tmp_path / "var"
    folders = {name: var_dir / "broker" / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    saved = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    celery_app.conf.broker_url = "filesystem://"
    celery_app.conf.broker_transport_options = {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
        "store_processed": False,
    }
    celery_app._after_fork()  # forget the producers connected to the other broker
    yield {"CELERY_BROKER_URL": "filesystem://", "VAR_DIR": str(var_dir)}
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
    celery_app._after_fork()
