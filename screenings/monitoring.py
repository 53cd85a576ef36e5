"""Monitoring: alert an organization's admins when a watched number gets a new contact (SPEC section 4)."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Membership
from accounts.services import send_templated_mail
from audit.services import record_event
from directory.models import Contact, ListedNumber
from lib.hashing import number_hash
from screenings.models import Alert, WatchedNumber


def notify_watchers(contact_ids: list[int]) -> int:
    """Create one alert per organization watching each new contact's number; email its admins once."""
    created = 0
    contacts = Contact.objects.select_related("number").filter(
        pk__in=contact_ids, number__status=ListedNumber.Status.LISTED
    )
    for contact in contacts:
        watchers = WatchedNumber.objects.filter(number_hash=number_hash(contact.number.e164))
        for organization_id, screening_id in watchers.values_list("organization_id", "screening_id").distinct():
            if _alert(organization_id, screening_id, contact):
                created += 1
    return created


def _alert(organization_id: int, screening_id, contact: Contact) -> bool:
    try:
        with transaction.atomic():
            alert = Alert.objects.create(organization_id=organization_id, screening_id=screening_id, contact=contact)
    except IntegrityError:
        return False  # this contact was already announced to this organization
    record_event(
        action="monitoring.alert",
        organization=alert.organization,
        number=contact.number.e164,
        detail={"alert": alert.pk},
    )
    admins = Membership.objects.filter(organization_id=organization_id, role=Membership.Role.ADMIN)
    for email in admins.values_list("user__email", flat=True):
        send_templated_mail(
            to=email,
            subject="A watched number has a new contact",
            template="screenings/email/alert.txt",
            context={"link": settings.SITE_URL + reverse("screenings:alerts")},
        )
    return True


def unread_alerts(organization):
    return Alert.objects.filter(organization=organization, read_at__isnull=True).select_related(
        "contact__number", "contact__operation"
    )
