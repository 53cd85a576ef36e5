import io
import tarfile

import pytest

from lib.dates import moment
from private_screening.models import PrivateSetup

pytestmark = pytest.mark.django_db


def test_the_page_says_what_is_protected_and_the_directory_date(client, hr, directory, build_setup):
    setup = PrivateSetup.objects.get(pk=build_setup())
    client.force_login(hr)
    page = client.get("/screenings/private/").content.decode()
    assert "stays on your computer" in page and "The server learns those numbers" in page
    assert f"Directory as of {moment(setup.directory_as_of)}" in page
    assert "/screenings/private/" in client.get("/screenings/").content.decode()


def test_the_client_download_holds_the_client_and_the_shared_kernel(client, legal):
    client.force_login(legal)
    response = client.get("/screenings/private/client.tar.gz")
    assert response.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(response.content)) as archive:
        names = archive.getnames()
    folder = names[0].split("/")[0]
    for path in ("pyproject.toml", "private_screening_client/cli.py", "lib/phone_lists.py", "lib/tabular.py"):
        assert f"{folder}/{path}" in names
    assert not [name for name in names if "__pycache__" in name]


def test_visitors_are_sent_to_log_in(client):
    assert client.get("/screenings/private/").status_code == 302
