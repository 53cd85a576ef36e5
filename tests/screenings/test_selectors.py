import pytest

from screenings import selectors
from screenings.models import ScreeningResult
from tests.factories import ListedNumberFactory, OrganizationFactory, ScreeningFactory

pytestmark = pytest.mark.django_db


def test_an_organization_sees_only_its_own_screenings(org):
    own = ScreeningFactory(organization=org)
    ScreeningFactory(organization=OrganizationFactory())
    assert list(selectors.organization_screenings(org)) == [own]


def result(screening, row: int, outcome: str, e164: str = "") -> ScreeningResult:
    return ScreeningResult.objects.create(
        screening=screening, chunk_index=0, row=row, input=e164 or "x", e164=e164, outcome=outcome
    )


def test_results_come_in_file_order_and_say_whether_a_match_still_matches(org):
    screening = ScreeningFactory(organization=org)
    ListedNumberFactory(e164="+12065550001", status="listed")
    ListedNumberFactory(e164="+12065550002", status="removed")
    result(screening, 5, "match", "+12065550002")
    result(screening, 2, "match", "+12065550001")
    result(screening, 3, "invalid")
    rows = list(selectors.screening_results(screening))
    assert [row.row for row in rows] == [2, 3, 5]
    assert [row.no_longer_listed for row in rows] == [False, False, True]


def test_results_filter_by_outcome(org):
    screening = ScreeningFactory(organization=org)
    result(screening, 2, "match", "+12065550001")
    result(screening, 3, "invalid")
    assert [row.row for row in selectors.screening_results(screening, "invalid")] == [3]
