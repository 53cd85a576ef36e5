import pytest
from django.urls import reverse

from tests.factories import PASSWORD, MembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_member_logs_in_with_email_and_password(client):
    member = MembershipFactory().user
    response = client.post(reverse("accounts:login"), {"username": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("front:dashboard")
    assert client.get(reverse("front:dashboard")).context["user"] == member


def test_staff_log_in_to_the_admin(client):
    curator = StaffFactory()
    response = client.post(reverse("admin:login"), {"username": curator.email, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_wrong_password_is_refused(client):
    member = MembershipFactory().user
    response = client.post(reverse("accounts:login"), {"username": member.email, "password": "wrong-password"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
