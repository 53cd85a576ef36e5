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


def fail_logins(client, email, address, times):
    for _ in range(times):
        client.post(reverse("accounts:login"), {"username": email, "password": "wrong-password"}, REMOTE_ADDR=address)


def log_in(client, email, address):
    return client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD}, REMOTE_ADDR=address)


def test_failures_from_one_address_do_not_lock_the_user_out_from_another(client, settings):
    """Anyone who knew a user name could lock its owner out from everywhere with five wrong passwords."""
    member = MembershipFactory().user
    fail_logins(client, member.email, "127.0.0.2", settings.AXES_FAILURE_LIMIT)
    response = log_in(client, member.email, "127.0.0.3")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_failures_from_one_address_still_lock_that_address(client, settings):
    member = MembershipFactory().user
    fail_logins(client, member.email, "127.0.0.2", settings.AXES_FAILURE_LIMIT)
    response = log_in(client, member.email, "127.0.0.2")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_on_a_user_name_from_many_addresses_slow_its_log_ins_without_refusing_them(
    client, settings, monkeypatch
):
    delays = []
    monkeypatch.setattr("accounts.backends.time.sleep", delays.append)
    member = MembershipFactory().user
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        fail_logins(client, member.email, address, settings.AXES_FAILURE_LIMIT)
    response = log_in(client, member.email, "127.0.0.5")
    assert response.status_code == 302
    assert delays[0] == 0
    assert delays[-1] > 0
