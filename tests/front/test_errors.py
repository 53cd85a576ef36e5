"""The error pages: words, the navigation and a next step; a refused member learns who may."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from front.errors import server_error
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_legal_opening_new_screening_learns_who_has_the_hr_role(client, org, legal, hr, org_admin):
    hr.full_name = "Harper Reyes"
    hr.save()
    outsider_hr = MembershipFactory(role=Membership.Role.HR).user
    client.force_login(legal)
    response = client.get(reverse("screenings:new"))
    content = response.content.decode()
    assert response.status_code == 403
    assert "Uploading a phone list needs the HR or Admin role" in content
    assert "Harper Reyes" in content and hr.email in content and org_admin.email in content
    assert outsider_hr.email not in content
    assert 'href="/lookup/"' in content  # the site's navigation


def test_a_member_refused_an_admin_page_is_pointed_to_the_admins(client, legal, org_admin):
    client.force_login(legal)
    content = client.get(reverse("accounts:members")).content.decode()
    assert "needs the Admin role" in content and org_admin.email in content


def test_an_account_of_no_organization_is_pointed_to_request_access(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("screenings:alerts"))
    assert response.status_code == 403
    assert "request access for your organization" in response.content.decode()


def test_missing_pages_answer_a_page_with_a_way_back(client, legal):
    client.force_login(legal)
    response = client.get("/screenings/00000000-0000-0000-0000-000000000000/")
    content = response.content.decode()
    assert response.status_code == 404
    assert "There is nothing at this address" in content and reverse("screenings:list") in content


def test_the_server_error_page_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(None)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_a_reached_quota_is_a_page_with_the_next_step(client, legal, org):
    org.daily_lookup_quota = 1
    org.save()
    client.force_login(legal)
    response = client.post(reverse("directory:lookup"), {"numbers": "2065550123\n2065550124"})
    content = response.content.decode()
    assert response.status_code == 429
    assert "Your organization has reached a limit" in content and "midnight UTC" in content
