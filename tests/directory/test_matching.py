import csv
import json
from datetime import UTC, date, datetime

import pytest

from directory.importing import import_contacts
from directory.matching import MatchInput, match_inputs
from directory.models import ListedNumber
from tests.factories import ContactFactory, ListedNumberFactory, OperationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    """+12065550123 contacted decoys on 2022-03-10 (call) and 2023-07-20 (text)."""
    number = ListedNumberFactory(e164="+12065550123")
    operation = OperationFactory(
        city="Seattle", region="WA", country="US", started_on=date(2022, 3, 1), ended_on=date(2022, 3, 31)
    )
    ContactFactory(
        number=number, operation=operation, occurred_at=datetime(2022, 3, 10, 23, 30, tzinfo=UTC), channel="call"
    )
    ContactFactory(number=number, occurred_at=datetime(2023, 7, 20, 1, 0, tzinfo=UTC), channel="text")
    return number


def outcome(raw, assigned_from=None, assigned_to=None, region="US"):
    [result] = match_inputs([MatchInput(raw, assigned_from, assigned_to)], region)
    return result


def test_match_with_evidence(listed):
    result = outcome("(206) 555-0123 ext. 4")
    assert (result.outcome, result.e164, result.extension) == ("match", "+12065550123", "4")
    evidence = result.evidence
    assert evidence["first_contact"] == "2022-03-10"
    assert evidence["last_contact"] == "2023-07-20"
    assert evidence["contact_count"] == 2
    assert evidence["channels"] == ["call", "text"]
    assert {"jurisdiction": "Seattle, WA, US", "started_on": "2022-03-01", "ended_on": "2022-03-31"} in evidence[
        "operations"
    ]


def test_a_number_alone_and_among_others_gets_the_same_evidence(listed):
    """One number takes queries of its own; several take the batch queries."""
    alone = outcome("+12065550123")
    among = match_inputs([MatchInput("+12065550123"), MatchInput("+12065550199")], "US")[0]
    assert alone.evidence == among.evidence
    assert alone.evidence["first_contact"] == "2022-03-10"  # 23:30 UTC: days are UTC days


def test_evidence_never_holds_internal_fields(listed):
    text = json.dumps(outcome("+12065550123").evidence)
    for secret in ("CASE-SECRET", "internal note", "curator", "@", "Sheriff"):
        assert secret not in text


def test_no_match_and_invalid():
    assert outcome("+12065550199").outcome == "no_match"
    invalid = outcome("2.06555E+09")
    assert (invalid.outcome, invalid.e164, invalid.reason) == ("invalid", None, "not a phone number")
    assert outcome("555-0123").reason == "missing area code"


@pytest.mark.parametrize(
    ("held_from", "held_to", "expected", "count"),
    [
        (date(2022, 3, 10), date(2022, 3, 10), "match", 1),  # both bounds inclusive
        (date(2022, 3, 11), date(2023, 7, 19), "outside_window", None),
        (date(2023, 7, 20), None, "match", 1),  # from only, inclusive
        (date(2023, 7, 21), None, "outside_window", None),
        (None, date(2022, 3, 10), "match", 1),  # to only, inclusive
        (None, date(2022, 3, 9), "outside_window", None),
        (date(2020, 1, 1), date(2030, 1, 1), "match", 2),
    ],
)
def test_assignment_windows(listed, held_from, held_to, expected, count):
    result = outcome("+12065550123", held_from, held_to)
    assert result.outcome == expected
    assert (result.evidence or {}).get("contact_count") == count


def test_outside_window_shows_no_evidence(listed):
    assert outcome("+12065550123", date(2024, 1, 1)).evidence is None


def test_a_window_that_ends_before_it_starts_is_invalid(listed):
    result = outcome("+12065550123", date(2024, 1, 1), date(2023, 1, 1))
    assert result.outcome == "invalid"
    assert "ends before it starts" in result.reason


@pytest.mark.parametrize("status", [ListedNumber.Status.UNDER_REVIEW, ListedNumber.Status.REMOVED])
def test_under_review_and_removed_never_match(listed, status):
    listed.status = status
    listed.save()
    assert outcome("+12065550123").outcome == "no_match"


def test_duplicates_in_other_shapes_keep_input_order(listed):
    inputs = [MatchInput(raw) for raw in ["206-555-0123", "junk", "+1 (206) 555-0123", "+12065550100", "2065550100"]]
    results = match_inputs(inputs, "US")
    assert [r.outcome for r in results] == ["match", "invalid", "duplicate", "no_match", "duplicate"]
    assert [r.input.raw for r in results] == [i.raw for i in inputs]


def test_region_decides_numbers_without_a_country_code():
    ListedNumberFactory(e164="+442079460958")
    ContactFactory(number=ListedNumber.objects.get(e164="+442079460958"))
    assert outcome("020 7946 0958", region="GB").outcome == "match"
    assert outcome("020 7946 0958", region="US").outcome == "invalid"


def test_sample_windows_list_gets_the_expected_outcomes(samples):
    """The assignment-window sample list, matched row by row against the sample directory."""
    import_contacts((samples / "contacts.csv").read_bytes(), create_operations=True)
    expected = json.loads((samples / "expected.json").read_text())["windows.csv"]["rows"]
    with open(samples / "lists" / "windows.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    inputs = [
        MatchInput(
            row["msisdn"],
            date.fromisoformat(row["assigned_from"]) if row["assigned_from"] else None,
            date.fromisoformat(row["assigned_to"]) if row["assigned_to"] else None,
        )
        for row in rows
    ]
    results = match_inputs(inputs, "US")
    assert [(r.outcome, r.e164) for r in results] == [(row["outcome"], row["e164"]) for row in expected]
