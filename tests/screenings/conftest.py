import json

import pytest

from config.celery_app import app as celery_app
from directory.importing import import_contacts
from screenings import services


@pytest.fixture
def directory(samples, db):
    """The sample directory, imported from contacts.csv."""
    import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)


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
