"""Building the set-up message of the listed numbers, in shards that several workers share.

The set-up is the listed numbers encrypted under the server's key, in a Golomb-compressed set
(openmined-psi). One shard's set-up answers for the numbers whose shard it is (lib.private_sets);
every shard uses the same key, so one server response to a client's request serves all shards.
Each step may run twice: a shard is claimed with a conditional UPDATE and stored once.
"""

import hashlib
import math
import secrets
from datetime import timedelta

import private_set_intersection.python as psi
from django.conf import settings
from django.db import transaction
from django.db.models import Count, IntegerField, Max, Q, Sum
from django.db.models.functions import Cast, Mod, Right
from django.utils import timezone

from directory.models import ListedNumber
from lib.private_sets import SHARD_DIGITS
from private_screening.models import PrivateSetup, SetupShard

# The chance that a list of up to `client_capacity` numbers gets even one false hit. A false hit
# costs one more lookup, and shows the server one number that is not listed: keep it rare.
FALSE_POSITIVE_RATE = 1e-6
# openmined-psi 2.0.6 fails to compress a set whose hashes lie more than about 2**54 apart on average
# (a shard of a few dozen numbers, for a million client inputs): a small shard is filled up with
# random fillers that are not phone numbers, so no client ever asks for one. They also hide how few
# numbers a small directory has.
WIDEST_GAP = 2**50
# A claimed shard not built in this time (its worker died) may be claimed again.
SHARD_STALL = timedelta(minutes=15)


def key_id() -> str:
    """A public name for the current key, so a set-up built under another key is never served."""
    return hashlib.sha256(b"private-screening-key-id:" + settings.PSI_KEY_BYTES).hexdigest()[:16]


def psi_server():
    return psi.server.CreateFromKey(settings.PSI_KEY_BYTES, True)


def directory_fingerprint() -> str:
    """Changes whenever the set of listed numbers may have changed (a number added, deleted or re-statused)."""
    summary = ListedNumber.objects.aggregate(
        listed=Count("pk", filter=Q(status=ListedNumber.Status.LISTED)), total=Count("pk"), changed=Max("updated_at")
    )
    changed = summary["changed"].isoformat() if summary["changed"] else "-"
    return f"{summary['listed']}:{summary['total']}:{changed}"


def current_setup() -> PrivateSetup | None:
    """The newest set-up that is built, under the current key."""
    return PrivateSetup.objects.filter(status=PrivateSetup.Status.READY, key_id=key_id()).order_by("-pk").first()


def needs_build() -> bool:
    """No set-up under this key is built or being built for the directory as it is now."""
    recent = timezone.now() - SHARD_STALL
    fresh = PrivateSetup.objects.filter(key_id=key_id(), fingerprint=directory_fingerprint())
    return not fresh.filter(Q(status=PrivateSetup.Status.READY) | Q(created_at__gte=recent)).exists()


@transaction.atomic
def start_build() -> tuple[PrivateSetup, list[int]]:
    """A new set-up version with one empty shard row per shard; returns it and the shard indexes to build."""
    setup = PrivateSetup.objects.create(
        key_id=key_id(),
        fingerprint=directory_fingerprint(),
        shard_count=settings.PSI_SHARDS,
        client_capacity=settings.SCREENING_MAX_ROWS,
        false_positive_rate=FALSE_POSITIVE_RATE,
        directory_as_of=timezone.now(),
    )
    SetupShard.objects.bulk_create(SetupShard(setup=setup, index=index) for index in range(setup.shard_count))
    return setup, list(range(setup.shard_count))


def listed_in_shard(index: int, shard_count: int) -> list[str]:
    """The listed numbers of one shard, chosen in SQL by the rule lib.private_sets.shard_of gives."""
    shard = Mod(Cast(Right("e164", SHARD_DIGITS), IntegerField()), shard_count)
    numbers = ListedNumber.objects.matchable().annotate(shard=shard).filter(shard=index)
    return list(numbers.values_list("e164", flat=True).order_by())


def with_fillers(numbers: list[str], client_capacity: int, false_positive_rate: float) -> list[str]:
    """The numbers, and enough random fillers (never a phone number) that the library can compress the set."""
    hash_range = max(client_capacity, len(numbers)) * client_capacity / false_positive_rate
    missing = math.ceil(hash_range / WIDEST_GAP) - len(numbers)
    return numbers + [f"filler:{secrets.token_hex(16)}" for _ in range(missing)]


def build_shard(setup_id: int, index: int) -> bool:
    """Build and store one shard's set-up message; False when it is built or being built elsewhere."""
    now = timezone.now()
    claimable = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - SHARD_STALL)
    claimed = SetupShard.objects.filter(
        claimable, setup_id=setup_id, index=index, built_at__isnull=True, setup__key_id=key_id()
    ).update(claimed_at=now)
    if not claimed:
        return False
    setup = PrivateSetup.objects.get(pk=setup_id)
    numbers = listed_in_shard(index, setup.shard_count)
    filled = with_fillers(numbers, setup.client_capacity, setup.false_positive_rate)
    message = psi_server().CreateSetupMessage(setup.false_positive_rate, setup.client_capacity, filled)
    message = message.SerializeToString()
    stored = SetupShard.objects.filter(setup_id=setup_id, index=index, built_at__isnull=True).update(
        message=message, size=len(message), listed_count=len(numbers), built_at=timezone.now()
    )
    return bool(stored)


@transaction.atomic
def finish_build(setup_id: int) -> bool:
    """Once every shard is stored: the set-up is ready and older versions go. Runs once.

    The version before it is kept, so that a download that started before this one was ready ends whole.
    """
    setup = PrivateSetup.objects.select_for_update().filter(pk=setup_id, status=PrivateSetup.Status.BUILDING).first()
    if setup is None or setup.shards.filter(built_at__isnull=True).exists():
        return False
    totals = setup.shards.aggregate(listed=Sum("listed_count"), size=Sum("size"))
    setup.listed_count, setup.size = totals["listed"] or 0, totals["size"] or 0
    setup.status, setup.finished_at = PrivateSetup.Status.READY, timezone.now()
    setup.save(update_fields=["listed_count", "size", "status", "finished_at"])
    older = PrivateSetup.objects.filter(pk__lt=setup.pk)
    previous = older.filter(status=PrivateSetup.Status.READY).order_by("-pk").values_list("pk", flat=True).first()
    stalled = Q(status=PrivateSetup.Status.BUILDING, created_at__lt=timezone.now() - SHARD_STALL)
    older.filter(stalled | Q(status=PrivateSetup.Status.READY, pk__lt=previous or 0)).delete()
    return True
