"""How pages write the product's values: outcomes in words, numbers, dates, screenings, audit events."""

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template

from audit.describe import action_label, describe
from tests.factories import ScreeningFactory


def render(text: str, **context) -> str:
    return Template("{% load present %}" + text).render(Context(context))


@pytest.mark.parametrize(
    ("outcome", "words"),
    [
        ("match", "Match"),
        ("outside_window", "Outside the window"),
        ("no_match", "No match"),
        ("invalid", "Invalid"),
        ("duplicate", "Repeat"),
    ],
)
def test_outcomes_are_badges_with_words(outcome, words):
    html = render("{% outcome_badge outcome %}", outcome=outcome)
    assert f">{words}</span>" in html and "_" not in html.split(">", 1)[1]


def test_a_repeat_names_its_first_row_when_known():
    assert "Repeat of row 1,204" in render("{% outcome_badge 'duplicate' 1204 %}")


def test_numbers_have_thousands_separators():
    assert render("{{ n|number }}", n=2000000) == "2,000,000"
    assert render("{{ n|number }}", n=None) == ""


def test_dates_are_written_one_way_whatever_they_arrive_as():
    assert render("{{ d|day }}", d=date(2025, 3, 16)) == "16 Mar 2025"
    assert render("{{ d|day }}", d="2025-03-16") == "16 Mar 2025"
    assert render("{{ d|moment }}", d=datetime(2025, 3, 16, 14, 3, tzinfo=UTC)) == "16 Mar 2025, 14:03 UTC"
    assert render("{{ d|month }}", d="2023-06-01") == "Jun 2023"


@pytest.mark.django_db
def test_screenings_are_named_by_file_and_day():
    screening = ScreeningFactory(filename="staff.csv")
    screening.created_at = datetime(2025, 3, 16, 9, 30, tzinfo=UTC)
    assert screening.title == "staff.csv, 16 Mar 2025"


def test_audit_events_read_as_sentences():
    counts = {"match": 1, "outside_window": 0, "no_match": 2, "invalid": 0, "duplicate": 0}
    assert describe("lookup", {"numbers": 3, "counts": counts}) == "Looked up 3 numbers: 1 match, 2 no match."
    assert (
        describe("member.role_changed", {"member": "a@example.com", "from": "legal", "to": "hr"})
        == "Changed the role of a@example.com from Legal to HR."
    )
    assert describe("screening.purged", {"count": 1200, "before": "x"}) == (
        "Deleted 1,200 screenings past their retention period."
    )
    assert describe("api_key.revoked", {"key": "ab12", "member": "a@example.com"}) == (
        "Revoked API key ab12… of a@example.com."
    )
    assert describe("private_screening.confirmed", {"numbers": 3, "counts": counts}) == (
        "Confirmed the hits of a private screening: 1 match, 2 no match."
    )
    assert describe("lookup.refused", {"numbers": 1, "limit": "x"}) == "A lookup of 1 number was refused by a limit."


def test_unknown_or_odd_audit_events_still_read_as_words():
    assert describe("export.xlsx_downloaded", {"rows": 3}) == "Export xlsx downloaded (rows: 3)."
    assert describe("member.invited", {}) == "Member invited."
    assert action_label("member.role_changed") == "Member role changed"
