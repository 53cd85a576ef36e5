import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import issue_recovery_codes
from audit.models import AuditEvent
from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def require_2fa(settings):
    settings.REQUIRE_2FA = True


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def log_in(client, user):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})


def test_first_login_sets_up_totp_and_shows_recovery_codes(client, legal):
    log_in(client, legal)
    page = client.get(reverse("front:dashboard"), follow=True)
    assert b"Set up two-factor sign-in" in page.content
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=legal, confirmed=False)

    wrong = client.post(reverse("accounts:two_factor"), {"token": "000000"})
    assert b"not right" in wrong.content
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next try wait a moment

    done = client.post(reverse("accounts:two_factor"), {"token": current_code(device)})
    assert len(done.context["codes"]) == 10
    assert client.get(reverse("front:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor_enrolled", actor=legal).exists()


def test_password_alone_reaches_nothing(client, api_client, legal):
    TOTPDevice.objects.create(user=legal, name="app", confirmed=True)
    log_in(client, legal)
    response = client.get(reverse("accounts:members"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))
    api = client.get("/api/v1/numbers/")
    assert api.status_code in (401, 403)


def test_staff_need_the_second_factor_for_the_admin(client):
    staff = StaffFactory()
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.post(reverse("admin:login"), {"username": staff.email, "password": PASSWORD, "next": "/admin/"})
    response = client.get("/admin/")
    assert response.status_code == 302 and reverse("accounts:two_factor") in response["Location"]


def test_a_recovery_code_works_once(client, legal):
    TOTPDevice.objects.create(user=legal, name="app", confirmed=True)
    code = issue_recovery_codes(legal)[0]
    log_in(client, legal)
    client.post(reverse("accounts:two_factor"), {"token": code})
    assert client.get(reverse("front:dashboard")).status_code == 200

    client.post(reverse("accounts:logout"))
    log_in(client, legal)
    again = client.post(reverse("accounts:two_factor"), {"token": code})
    assert b"not right" in again.content


def test_totp_code_passes_the_second_factor(client, legal):
    device = TOTPDevice.objects.create(user=legal, name="app", confirmed=True)
    log_in(client, legal)
    response = client.post(reverse("accounts:two_factor"), {"token": current_code(device)})
    assert response.status_code == 302
    assert client.get(reverse("front:dashboard")).status_code == 200
