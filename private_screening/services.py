"""Answering a client's blinded request (SPEC section 4, private screening).

The server sees only encrypted points: it re-encrypts them under its key and learns how many
there were. That count is charged to the organization's daily screening quota and audited;
nothing else about the numbers is kept or logged.
"""

from collections.abc import Iterator

import private_set_intersection.python as psi
from django.conf import settings
from django.utils import timezone
from google.protobuf.message import DecodeError

from audit.services import record_event, refusal_recorded
from directory.lookups import match_and_record
from directory.matching import MatchInput, MatchResult
from lib import limits
from lib.errors import DomainError
from lib.private_sets import setup_parts
from private_screening.models import PrivateSetup
from private_screening.setups import psi_server


class BadRequest(DomainError):
    """A blinded request the server cannot read; the message says why."""


def check_rate(user) -> None:
    """The member's rate limit, counted as lookup requests are."""
    now = timezone.now()
    rate = limits.Counter(f"rate:private:{user.pk}:{now:%Y%m%d%H%M}", 1, settings.LOOKUP_REQUESTS_PER_MINUTE, 90)
    if limits.consume(rate):
        raise limits.LimitExceeded(
            f"You sent more than {settings.LOOKUP_REQUESTS_PER_MINUTE} requests this minute. "
            "Wait a moment and try again.",
            retry_after=60 - now.second,
        )


def read_request(body: bytes):
    try:
        blinded = psi.Request.FromString(body)
    except DecodeError:
        raise BadRequest("The body is not a blinded request (a serialized psi_proto.Request).") from None
    if not blinded.reveal_intersection:
        raise BadRequest("The request must ask for the intersection (reveal_intersection = true).")
    if not blinded.encrypted_elements:
        raise BadRequest("The request holds no numbers.")
    if len(blinded.encrypted_elements) > settings.PSI_REQUEST_MAX_NUMBERS:
        raise BadRequest(f"Send at most {settings.PSI_REQUEST_MAX_NUMBERS:,} numbers a request.")
    return blinded


def answer_request(*, membership, body: bytes, request=None) -> bytes:
    """The server's response to one blinded request, after the rate limit, the quota and the audit."""
    blinded = read_request(body)
    count = len(blinded.encrypted_elements)
    with refused_here(membership, request, "private_screening.request_refused", count):
        check_rate(membership.user)
        limits.consume_screening_quota(membership.organization, count)
    try:
        response = psi_server().ProcessRequest(blinded)
    except RuntimeError:
        raise BadRequest("The request holds something that is not an encrypted number.") from None
    limits.grant_confirmations(membership.organization, count)
    record_event(
        action="private_screening.request",
        request=request,
        actor=membership.user,
        organization=membership.organization,
        detail={"numbers": count},
    )
    return response.SerializeToString()


def refused_here(membership, request, action: str, numbers: int):
    """Audit a refusal by a limit, with the count of numbers only."""
    return refusal_recorded(
        action=action,
        request=request,
        actor=membership.user,
        organization=membership.organization,
        detail={"numbers": numbers},
    )


def confirm_hits(*, membership, inputs: list[MatchInput], region: str | None, request=None) -> list[MatchResult]:
    """Look up a private screening's hits with their windows, for their outcome and evidence.

    Hits are charged to the screening quota already, as numbers sent blinded, so they are not
    lookups (a list with thousands of hits would wait minutes under the lookup limits). An
    organization confirms each number it sent at most once: whatever numbers it confirms, it learns
    no more than a screening of them would show, within the same quota.
    """
    with refused_here(membership, request, "private_screening.confirm_refused", len(inputs)):
        check_rate(membership.user)
        limits.consume_confirmations(membership.organization, len(inputs))
    return match_and_record(
        membership=membership, inputs=inputs, region=region, request=request, action="private_screening.confirmed"
    )


def setup_header(setup: PrivateSetup, shard_sizes: list[int]) -> dict:
    return {
        "version": setup.pk,
        "key_id": setup.key_id,
        "directory_as_of": setup.directory_as_of.isoformat(),
        "shard_count": setup.shard_count,
        "client_capacity": setup.client_capacity,
        "false_positive_rate": setup.false_positive_rate,
        "request_max_numbers": settings.PSI_REQUEST_MAX_NUMBERS,
        "shard_sizes": shard_sizes,
    }


def setup_download(setup: PrivateSetup) -> Iterator[bytes]:
    """The set-up as it is downloaded: a header, then each shard's message, read one at a time."""
    shards = setup.shards.order_by("index")
    sizes = list(shards.values_list("size", flat=True))
    messages = (bytes(message) for message in shards.values_list("message", flat=True).iterator(chunk_size=1))
    return setup_parts(setup_header(setup, sizes), messages)
