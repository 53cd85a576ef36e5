"""Per-user rate limits and per-organization daily quotas (SPEC section 6), counted in the cache."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache as once

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from lib.errors import DomainError


class LimitExceeded(DomainError):
    """A limit was reached; `retry_after` is in whole seconds."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Counter:
    """Add `amount` to the counter at `key` unless that passes `limit`; a new counter expires after `timeout` s."""

    key: str
    amount: int
    limit: int
    timeout: int


# Adds to each counter in turn; at the first that would pass its limit, takes back what it added and
# returns that counter's position (from 1). Returns 0 when all were added. One round trip, atomic.
CONSUME_SCRIPT = """
for i, key in ipairs(KEYS) do
  local amount = tonumber(ARGV[3 * i - 2])
  local total = redis.call('INCRBY', key, amount)
  if redis.call('TTL', key) == -1 then redis.call('EXPIRE', key, tonumber(ARGV[3 * i])) end
  if total > tonumber(ARGV[3 * i - 1]) then
    for j = 1, i do redis.call('DECRBY', KEYS[j], tonumber(ARGV[3 * j - 2])) end
    return i
  end
end
return 0
"""


def consume(*counters: Counter) -> Counter | None:
    """Count all or nothing: the first counter that would pass its limit, or None when all were counted."""
    script = _consume_script()
    if script is not None:
        keys = [cache.make_and_validate_key(counter.key) for counter in counters]
        args = [value for counter in counters for value in (counter.amount, counter.limit, counter.timeout)]
        refused = script(keys=keys, args=args)
        return counters[refused - 1] if refused else None
    for position, counter in enumerate(counters):
        if _add(counter.key, counter.amount, counter.timeout) > counter.limit:
            for added in counters[: position + 1]:
                _add(added.key, -added.amount, added.timeout)
            return counter
    return None


def _add(key: str, amount: int, timeout: int) -> int:
    """Add to a counter in a cache without Redis. Some backends' incr resets a key's expiry to their default."""
    cache.add(key, 0, timeout)
    total = cache.incr(key, amount)
    cache.touch(key, timeout)
    return total


@once
def _consume_script():
    """With Django's Redis cache, the script on one client kept for the process; else None."""
    get_client = getattr(getattr(cache, "_cache", None), "get_client", None)
    return get_client(write=True).register_script(CONSUME_SCRIPT) if get_client else None


def _seconds_to_midnight(now: datetime) -> int:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((tomorrow - now).total_seconds()))


def _quota_key(kind: str, organization_id: int, now: datetime) -> str:
    return f"quota:{kind}:{organization_id}:{now:%Y-%m-%d}"


def consume_lookup(user, organization, count: int) -> None:
    """One lookup request of `count` numbers: the member's two rate limits and the organization's quota, together.

    Per user and clock minute, at most LOOKUP_REQUESTS_PER_MINUTE requests and LOOKUP_NUMBERS_PER_MINUTE
    numbers (a batch counts each of its numbers, so batches cannot sweep the directory faster than single
    lookups); every number counts against the daily quota. A refused request counts against none of them.
    """
    now = timezone.now()
    minute = f"{user.pk}:{now:%Y%m%d%H%M}"
    requests = Counter(f"rate:lookup:{minute}", 1, settings.LOOKUP_REQUESTS_PER_MINUTE, timeout=90)
    numbers = Counter(f"rate:lookup-numbers:{minute}", count, settings.LOOKUP_NUMBERS_PER_MINUTE, timeout=90)
    quota = _daily_quota("lookup", organization, count, organization.daily_lookup_quota, now)
    refused = consume(requests, numbers, quota)
    if refused is requests:
        raise LimitExceeded(
            f"You made more than {requests.limit} lookup requests this minute. Wait a moment and try again.",
            retry_after=60 - now.second,
        )
    if refused is numbers:
        raise LimitExceeded(
            f"You may look up {numbers.limit} numbers a minute, and these {count} would pass that. "
            "Wait a moment and try again.",
            retry_after=60 - now.second,
        )
    if refused is quota:
        raise _quota_exceeded(quota, "looked-up numbers", now)


def consume_screening_quota(organization, rows: int) -> None:
    now = timezone.now()
    quota = _daily_quota("screening", organization, rows, organization.daily_screening_row_quota, now)
    if consume(quota):
        raise _quota_exceeded(quota, "screened rows", now)


def refund_screening_quota(organization, rows: int) -> None:
    """Give back rows charged on an estimate that the file turned out not to hold."""
    now = timezone.now()
    consume(_daily_quota("screening", organization, -rows, organization.daily_screening_row_quota, now))


def grant_confirmations(organization, count: int) -> None:
    """Numbers the organization sent blinded (and paid for with its screening quota): as many numbers may
    then be looked up to confirm its private screenings' hits, without the lookup limits."""
    consume(Counter(_confirmations_key(organization.pk), -count, 0, CONFIRMATIONS_KEPT))


def consume_confirmations(organization, count: int) -> None:
    """Confirm `count` hits out of the organization's numbers sent blinded and not confirmed yet.

    One balance, taken down by confirmations and up by numbers sent, so a number sent is confirmed
    at most once. Numbers not confirmed within CONFIRMATIONS_KEPT (two days) may be forgotten.
    """
    if consume(Counter(_confirmations_key(organization.pk), count, 0, CONFIRMATIONS_KEPT)):
        raise LimitExceeded(
            f"These {count} numbers are more than your organization sent to private screening and has not "
            "confirmed yet. Confirm only the hits of a private screening.",
            retry_after=CONFIRMATIONS_KEPT,
        )


CONFIRMATIONS_KEPT = 2 * 86400


def _confirmations_key(organization_id: int) -> str:
    return f"quota:private-unconfirmed:{organization_id}"


def _daily_quota(kind: str, organization, amount: int, quota: int, now: datetime) -> Counter:
    return Counter(_quota_key(kind, organization.pk, now), amount, quota, timeout=2 * 86400)


def _quota_exceeded(quota: Counter, unit: str, now: datetime) -> LimitExceeded:
    return LimitExceeded(
        f"Your organization's daily quota of {quota.limit} {unit} would be passed by these {quota.amount}. "
        "It resets at midnight UTC; staff can raise it.",
        retry_after=_seconds_to_midnight(now),
    )


def quota_use(organization) -> dict[str, int]:
    """Today's use of both quotas, for the dashboard."""
    now = timezone.now()
    return {
        "lookups": cache.get(_quota_key("lookup", organization.pk, now), 0),
        "lookup_quota": organization.daily_lookup_quota,
        "screened_rows": cache.get(_quota_key("screening", organization.pk, now), 0),
        "screening_quota": organization.daily_screening_row_quota,
    }


def count_login_failure(username: str, window: int) -> None:
    """One more failed log-in for this user name, from any address; the count lasts `window` seconds."""
    _add(_login_failures_key(username), 1, window)


def login_failures(username: str) -> int:
    return cache.get(_login_failures_key(username), 0)


def _login_failures_key(username: str) -> str:
    return f"failures:login:{_digest(username)}"


def consume_dispute_code(number_key: str, ip_address: str | None) -> None:
    """One code texted to file a dispute: at most DISPUTE_CODES_PER_NUMBER_PER_DAY to a number (`number_key`,
    its keyed hash) and DISPUTES_PER_IP_PER_HOUR from one address per clock hour; counted together."""
    now = timezone.now()
    per_number = Counter(
        f"rate:dispute-code:{number_key}:{now:%Y%m%d}", 1, settings.DISPUTE_CODES_PER_NUMBER_PER_DAY, 2 * 86400
    )
    per_address = _hourly("dispute", ip_address or "unknown", settings.DISPUTES_PER_IP_PER_HOUR, now)
    refused = consume(per_number, per_address)
    if refused is per_number:
        raise LimitExceeded(
            "We already sent this number as many codes as we send in a day. Try again tomorrow.",
            retry_after=_seconds_to_midnight(now),
        )
    if refused is per_address:
        raise LimitExceeded(
            "Too many disputes were started from your network this hour. Try again later.",
            retry_after=_seconds_to_next_hour(now),
        )


def check_password_reset_rate(email: str, ip_address: str | None) -> None:
    """At most PASSWORD_RESETS_PER_ADDRESS_PER_HOUR reset mails to one address, and
    PASSWORD_RESETS_PER_IP_PER_HOUR requests from one network, per clock hour: nobody floods a mailbox."""
    now = timezone.now()
    per_address = _hourly("password-reset", _digest(email), settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR, now)
    per_ip = _hourly("password-reset-ip", ip_address or "unknown", settings.PASSWORD_RESETS_PER_IP_PER_HOUR, now)
    if consume(per_ip, per_address):
        raise LimitExceeded("Too many password resets this hour.", retry_after=_seconds_to_next_hour(now))


def check_access_request_rate(ip_address: str | None) -> None:
    """At most ACCESS_REQUESTS_PER_IP_PER_HOUR requests for access from one network per clock hour."""
    now = timezone.now()
    if consume(_hourly("access-request", ip_address or "unknown", settings.ACCESS_REQUESTS_PER_IP_PER_HOUR, now)):
        raise LimitExceeded(
            "Too many requests for access were sent from your network this hour. Try again later.",
            retry_after=_seconds_to_next_hour(now),
        )


def _hourly(kind: str, who: str, limit: int, now: datetime) -> Counter:
    return Counter(f"rate:{kind}:{who}:{now:%Y%m%d%H}", 1, limit, timeout=3700)


def _seconds_to_next_hour(now: datetime) -> int:
    return 3600 - now.minute * 60 - now.second


def _digest(text: str) -> str:
    """A fixed-length cache key part for an email address or a user name, in any case."""
    return hashlib.sha256(text.strip().lower().encode()).hexdigest()
