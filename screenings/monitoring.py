"""Monitoring (SPEC section 4): watch lists, and alerts to an organization's hr and admins when a
watched number gets a new contact.

A Watch owns its numbers (keyed hashes, with the label and row they had), so it outlives its
screening's retention until someone stops it.
"""

from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import SCREENING_ROLES
from accounts.services import send_templated_mail
from audit.services import record_event
from directory.models import Contact, ListedNumber
from lib.errors import DomainError
from lib.hashing import number_hash
from screenings.models import Alert, Screening, ScreeningChunk, Watch, WatchedNumber
from screenings.result_store import chunk_rows


class WatchRefused(DomainError):
    """A watch that cannot be started or stopped; the message says why."""


def watch_chunk(
    screening: Screening, chunk: ScreeningChunk, rows: list[int], columns: list[int], numbers: list[str]
) -> None:
    """Pipeline hook: a monitored screening's numbers (every first occurrence, no match included) go under watch.

    `rows`, `columns` and `numbers` give, in the same order, the cell and the E.164 of each first
    occurrence in the chunk; the chunk's rows give the labels. The Watch is made by the first chunk
    that needs it.
    """
    if not screening.monitor:
        return
    watch = _upload_watch(screening)
    if watch is None:
        return
    firsts = dict(zip(zip(rows, columns, strict=True), numbers, strict=True))
    WatchedNumber.objects.bulk_create(
        (
            WatchedNumber(watch=watch, number_hash=number_hash(firsts[row, column]), label=label, row=row)
            for row, _raw, label, _from, _to, column in chunk_rows(chunk)
            if (row, column) in firsts
        ),
        ignore_conflicts=True,
    )


def _upload_watch(screening: Screening) -> Watch | None:
    """The watch asked for at upload, made once (several chunks may ask at the same time); None once stopped."""
    latest = screening.watches.order_by("-created_at").first()
    if latest is not None:
        return latest if latest.is_active else None
    watch, _ = Watch.objects.get_or_create(
        screening=screening,
        stopped_at=None,
        defaults={
            "organization_id": screening.organization_id,
            "name": screening.title,
            "created_by_id": screening.created_by_id,
        },
    )
    return watch


@transaction.atomic
def start_watch(*, screening: Screening, membership, request=None) -> Watch:
    """Watch a finished screening's numbers: those it stored (a number with no match was never kept)."""
    if screening.status != Screening.Status.DONE:
        raise WatchRefused("Only a finished screening can be watched.")
    if screening.watches.filter(stopped_at__isnull=True).exists():
        raise WatchRefused("This screening is already watched.")
    watch = Watch.objects.create(
        organization=screening.organization, screening=screening, name=screening.title, created_by=membership.user
    )
    first_rows = list(screening.results.exclude(e164="").values("e164").annotate(row=Min("row")).order_by("row"))
    labels = dict(screening.results.filter(row__in=[first["row"] for first in first_rows]).values_list("row", "label"))
    WatchedNumber.objects.bulk_create(
        WatchedNumber(watch=watch, number_hash=number_hash(first["e164"]), row=first["row"], label=labels[first["row"]])
        for first in first_rows
    )
    record_event(
        action="monitoring.watch_started",
        request=request,
        actor=membership.user,
        organization=membership.organization,
        detail={**screening.audit_detail, "watch": watch.pk, "numbers": len(first_rows)},
    )
    return watch


def stop_watch(*, watch: Watch, membership, request=None) -> None:
    """Stop a watch: its numbers no longer alert. It stays listed as stopped."""
    stopped = Watch.objects.filter(pk=watch.pk, stopped_at__isnull=True).update(
        stopped_at=timezone.now(), stopped_by=membership.user
    )
    if not stopped:
        raise WatchRefused("This watch was already stopped.")
    record_event(
        action="monitoring.watch_stopped",
        request=request,
        actor=membership.user,
        organization=membership.organization,
        detail={"watch": watch.pk, "name": watch.name},
    )


def organization_watches(organization) -> QuerySet[Watch]:
    """The organization's watches, active first, with how many numbers each holds."""
    return (
        Watch.objects.filter(organization=organization)
        .select_related("screening", "created_by", "stopped_by")
        .annotate(number_count=Count("numbers"))
        .order_by("stopped_at", "-created_at")
    )


def notify_watchers(contact_ids: list[int]) -> int:
    """One alert per organization watching each new contact's number; its hr and admins get an email.

    The watchers of all the contacts are read in one query: an import announces its contacts by the
    thousand, and most numbers are watched by nobody.
    """
    contacts = list(
        Contact.objects.select_related("number").filter(pk__in=contact_ids, number__status=ListedNumber.Status.LISTED)
    )
    hashes = {contact.pk: number_hash(contact.number.e164) for contact in contacts}
    watching: dict[str, list[WatchedNumber]] = defaultdict(list)
    candidates = WatchedNumber.objects.filter(number_hash__in=set(hashes.values()), watch__stopped_at__isnull=True)
    for watched in candidates.select_related("watch").order_by("watch__created_at"):
        watching[watched.number_hash].append(watched)
    created = 0
    for contact in contacts:
        for watched in _news_for(contact, watching[hashes[contact.pk]]):
            if _alert(watched, contact):
                created += 1
    return created


def _news_for(contact: Contact, candidates: list[WatchedNumber]) -> list[WatchedNumber]:
    """Per organization, one active watched number this contact is news for (newer than any review)."""
    chosen: dict[int, WatchedNumber] = {}
    for watched in candidates:
        if watched.reviewed_through is not None and contact.occurred_at <= watched.reviewed_through:
            continue
        chosen.setdefault(watched.watch.organization_id, watched)
    return list(chosen.values())


def _alert(watched: WatchedNumber, contact: Contact) -> bool:
    organization_id = watched.watch.organization_id
    try:
        with transaction.atomic():
            alert = Alert.objects.create(organization_id=organization_id, watched_number=watched, contact=contact)
    except IntegrityError:
        return False  # this contact was already announced to this organization
    record_event(
        action="monitoring.alert",
        organization=alert.organization,
        number=contact.number.e164,
        detail={"alert": alert.pk, "watch": watched.watch_id},
    )
    watchers = Membership.objects.filter(organization_id=organization_id, role__in=SCREENING_ROLES)
    for email in watchers.values_list("user__email", flat=True):
        send_templated_mail(
            to=email,
            subject="A watched number has a new contact",
            template="screenings/email/alert.txt",
            context={"link": settings.SITE_URL + reverse("screenings:alerts")},
        )
    return True


def unread_alerts(organization) -> QuerySet[Alert]:
    """Alerts nobody has reviewed yet, newest first, with the watched number's label, row and screening."""
    return Alert.objects.filter(organization=organization, reviewed_at__isnull=True).select_related(
        "contact__number", "contact__operation", "watched_number__watch__screening"
    )


def reviewed_alerts(organization) -> QuerySet[Alert]:
    return Alert.objects.filter(organization=organization, reviewed_at__isnull=False).select_related(
        "contact__number", "contact__operation", "watched_number__watch__screening", "reviewed_by"
    )


@transaction.atomic
def review_alert(*, alert: Alert, membership, note: str, request=None) -> None:
    """Mark an alert reviewed; its number alerts again only for a contact newer than this one."""
    if alert.reviewed_at is not None:
        raise WatchRefused("This alert was already reviewed.")
    alert.reviewed_at, alert.reviewed_by, alert.review_note = timezone.now(), membership.user, note
    alert.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    e164 = alert.contact.number.e164
    occurred_at = alert.contact.occurred_at
    WatchedNumber.objects.filter(watch__organization=alert.organization, number_hash=number_hash(e164)).filter(
        Q(reviewed_through__isnull=True) | Q(reviewed_through__lt=occurred_at)
    ).update(reviewed_through=occurred_at)
    record_event(
        action="monitoring.alert_reviewed",
        request=request,
        actor=membership.user,
        organization=membership.organization,
        number=e164,
        detail={"alert": alert.pk},
    )
