"""TOTP second factor with recovery codes, on django-otp's devices."""

import secrets

import segno
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import record_event

RECOVERY_CODE_COUNT = 10


def confirmed_devices(user) -> list:
    return [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed TOTP device a user is setting up, made on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def qr_code_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4)


def verify_token(request, token: str) -> bool:
    """Check a TOTP or recovery code against the user's devices; on success mark the session verified."""
    token = token.strip().replace(" ", "")
    for device in confirmed_devices(request.user):
        if device.verify_token(token):
            otp_login(request, device)
            record_event(action="auth.second_factor_passed", request=request)
            return True
    record_event(action="auth.second_factor_failed", request=request)
    return False


def confirm_totp_device(request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm a new TOTP device with a first code; returns fresh recovery codes, or None."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    device.confirmed = True
    device.save()
    codes = issue_recovery_codes(request.user)
    otp_login(request, device)
    record_event(action="auth.second_factor_enrolled", request=request)
    return codes


def issue_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes; each works once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
