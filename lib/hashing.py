"""Keyed hashes of numbers: how a number is kept anywhere outside the directory itself."""

import hashlib
import hmac

from django.conf import settings


def number_hash(e164: str) -> str:
    """Keyed hash (HMAC-SHA256) of a normalized number, for logs and watch lists."""
    key = settings.NUMBER_HASH_KEY.encode()
    return hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()
