"""What the server and the private-screening client must agree on: which shard of the set-up a number
falls in, and how the set-up's shards travel in one download. No Django: the client imports it.

The shard is the number's last four digits modulo the shard count: a hash of the number that both
databases compute in SQL and the client computes without any secret. Subscriber digits are spread
evenly in every numbering plan, so the shards are even.
"""

import json
import struct
from collections.abc import Iterable, Iterator

SHARD_DIGITS = 4
HEADER_LENGTH = struct.Struct(">I")


class BadSetup(ValueError):
    """A set-up download that cannot be read (cut short, or not a set-up at all)."""


def shard_of(e164: str, shard_count: int) -> int:
    return int(e164[-SHARD_DIGITS:]) % shard_count


def pack_setup(header: dict, shards: list[bytes]) -> bytes:
    return b"".join(setup_parts(header, shards))


def setup_parts(header: dict, shards: Iterable[bytes]) -> Iterator[bytes]:
    """The download in parts, for streaming: a length, a JSON header (with each shard's size), the shards."""
    encoded = json.dumps(header, separators=(",", ":")).encode()
    yield HEADER_LENGTH.pack(len(encoded))
    yield encoded
    yield from shards


def unpack_setup(body: bytes) -> tuple[dict, list[bytes]]:
    """The header and the serialized set-up message of each shard, in shard order."""
    try:
        (length,) = HEADER_LENGTH.unpack_from(body)
        header = json.loads(body[HEADER_LENGTH.size : HEADER_LENGTH.size + length])
        position = HEADER_LENGTH.size + length
        shards = []
        for size in header["shard_sizes"]:
            shards.append(body[position : position + size])
            position += size
    except (struct.error, ValueError, KeyError, TypeError) as error:
        raise BadSetup(f"The set-up download is not readable ({error}).") from None
    if position != len(body):
        raise BadSetup("The set-up download is cut short or has extra bytes.")
    return header, shards
