"""Per-user rate limits and per-organization daily quotas (SPEC section 6), counted in the cache."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


@dataclass
class LimitExceeded(Exception):
    """A limit was reached; `retry_after` is in whole seconds."""

    message: str
    retry_after: int

    def __str__(self):
        return self.message


def _consume(key: str, amount: int, limit: int, timeout: int) -> bool:
    """Add `amount` to a counter unless that would pass `limit`; True when it was added."""
    total = _add(key, amount, timeout)
    if total > limit:
        _add(key, -amount, timeout)
        return False
    return True


def _add(key: str, amount: int, timeout: int) -> int:
    """Atomically add to a counter that expires `timeout` seconds after it was made."""
    client = _redis_client(key)
    if client is None:
        cache.add(key, 0, timeout)
        return cache.incr(key, amount)
    full_key = cache.make_and_validate_key(key)
    pipe = client.pipeline()  # one round trip: create with its expiry if new, then add
    pipe.set(full_key, 0, ex=timeout, nx=True)
    pipe.incrby(full_key, amount)
    return pipe.execute()[1]


def _redis_client(key: str):
    """With Django's Redis cache, its client; counters then cost one round trip."""
    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    return get_client(key, write=True) if get_client else None


def _seconds_to_midnight(now: datetime) -> int:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((tomorrow - now).total_seconds()))


def _quota_key(kind: str, organization_id: int, now: datetime) -> str:
    return f"quota:{kind}:{organization_id}:{now:%Y-%m-%d}"


def check_lookup_rate(user) -> None:
    """At most LOOKUP_RATE_PER_MINUTE lookup requests per user per clock minute."""
    now = timezone.now()
    key = f"rate:lookup:{user.pk}:{now:%Y%m%d%H%M}"
    if not _consume(key, 1, settings.LOOKUP_RATE_PER_MINUTE, timeout=90):
        raise LimitExceeded(
            f"You made more than {settings.LOOKUP_RATE_PER_MINUTE} lookups this minute. Wait a moment and try again.",
            retry_after=60 - now.second,
        )


def consume_lookup_quota(organization, count: int) -> None:
    _consume_daily_quota("lookup", organization, count, organization.daily_lookup_quota, "looked-up numbers")


def consume_screening_quota(organization, rows: int) -> None:
    _consume_daily_quota("screening", organization, rows, organization.daily_screening_row_quota, "screened rows")


def _consume_daily_quota(kind: str, organization, amount: int, quota: int, unit: str) -> None:
    now = timezone.now()
    if not _consume(_quota_key(kind, organization.pk, now), amount, quota, timeout=2 * 86400):
        raise LimitExceeded(
            f"Your organization's daily quota of {quota} {unit} would be passed by these {amount}. "
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


def check_dispute_rate(ip_address: str | None) -> None:
    """At most DISPUTES_PER_IP_PER_HOUR disputes from one address per clock hour, against floods."""
    now = timezone.now()
    key = f"rate:dispute:{ip_address or 'unknown'}:{now:%Y%m%d%H}"
    if not _consume(key, 1, settings.DISPUTES_PER_IP_PER_HOUR, timeout=3700):
        raise LimitExceeded(
            "Too many disputes were sent from your network this hour. Try again later.",
            retry_after=3600 - now.minute * 60 - now.second,
        )
