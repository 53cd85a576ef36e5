"""Journey: a curator imports contacts; the page shows the job's report, with a rejected row and why."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.steps import log_in
from tests.factories import OperationFactory

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]

FILES = Path(__file__).resolve().parents[1] / "directory" / "import_files"
CONTACTS = (
    "number,occurred_at,channel,operation\n"
    "+12062264011,2024-02-10T10:00:00Z,call,Spokane 2024\n"
    "(206) 226-4012,2019-02-01T10:00:00Z,text,Spokane 2024\n"
    "+12062264013,2024-02-11T10:00:00Z,call,Nowhere\n"
)


def test_a_curator_imports_contacts_and_reads_the_report(open_page, staff, tmp_path):
    OperationFactory(name="Spokane 2024", started_on=date(2024, 2, 1), ended_on=date(2024, 3, 17))
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS)
    curator = open_page("staff")
    curator.set_viewport_size({"width": 1280, "height": 800})
    log_in(curator, staff.email, start="/admin/directory/contact/import/")

    curator.locator("input[type=file]").set_input_files(contacts)
    curator.get_by_role("button", name="Import").click()

    expect(curator.get_by_text("Added 1, skipped 0 as already present, rejected 2.")).to_be_visible()
    rejected = curator.locator("#content table")
    expect(rejected).to_contain_text("outside operation 'Spokane 2024' (2024-02-01 – 2024-03-17)")
    expect(rejected).to_contain_text("unknown operation 'Nowhere'")
    assert curator.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    curator.screenshot(path=tmp_path.parent / "import-report.png", full_page=True)
    with curator.expect_download() as download:
        curator.get_by_role("link", name="Download the report of every row (CSV)").click()
    assert download.value.path().read_text().startswith("row,outcome,number,message")


def test_a_queued_import_shows_a_progress_bar_that_follows_the_job(open_page, staff, tmp_path):
    from directory.importing import create_import, run_import

    job = create_import(data=CONTACTS.encode(), filename="contacts.csv", create_operations=True, queue=False)
    curator = open_page("staff")
    curator.set_viewport_size({"width": 1280, "height": 800})
    log_in(curator, staff.email, start=f"/admin/directory/contact/import/{job.pk}/")
    expect(curator.locator("#progress-text")).to_contain_text("Queued: 0 of 3 rows.")
    curator.screenshot(path=tmp_path.parent / "import-progress.png", full_page=True)

    run_import(str(job.pk))  # what the worker does

    expect(curator.get_by_text("Added 3, skipped 0 as already present, rejected 0.")).to_be_visible()
