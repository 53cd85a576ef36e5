from urllib.parse import urlsplit

import pytest
from django.core import mail

from accounts import services

ACME = {
    "organization_name": "Acme",
    "domain": "acme.example",
    "name": "Pat",
    "title": "General Counsel",
    "email": "pat@acme.example",
    "reason": "Zero-tolerance policy",
}


def confirmation_path(message) -> str:
    """The path of the confirmation link in a request-access mail."""
    return urlsplit(next(line for line in message.body.splitlines() if "/accounts/request-access/" in line)).path


def confirmation_token(message) -> str:
    return confirmation_path(message).rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def requested_organization(db):
    """Ask for access and confirm the address, as a requester does; returns the pending organization."""

    def request_and_confirm(**fields):
        services.request_access(**{**ACME, **fields})
        return services.confirm_access_request(token=confirmation_token(mail.outbox[-1]))

    return request_and_confirm
