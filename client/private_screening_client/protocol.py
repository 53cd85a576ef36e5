"""Private set intersection with the server (openmined-psi, ECDH): which of our numbers are listed.

The numbers are encrypted here under a key made for this run and never sent in clear. The server
re-encrypts them under its own key; decrypting gives each number as the server's set-up has it,
so the set-up of a number's shard tells whether it is listed. Every shard's set-up is made with
the same server key, so the one response serves all shards: each shard is asked only about its
own numbers (their part of the response, cut here; the server never learns the split).
"""

from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import private_set_intersection.python as psi

from lib.private_sets import shard_of


class ProtocolError(Exception):
    """The server's answers do not fit together (another key, a response of the wrong length)."""


def listed_numbers(
    numbers: list[str], header: dict, shards: list[bytes], answer, advance: Callable[[int], None], overlap: bool = True
) -> set[str]:
    """The numbers (E.164) that the set-up says are listed.

    `answer(blinded_request: bytes) -> (response: bytes, key_id: str)` asks the server; `advance(n)`
    is told as each batch of n numbers is done. With `overlap`, the server works on one batch while
    this machine encrypts the next (in order: one request at a time).
    """
    if len(numbers) > header["client_capacity"]:
        raise ProtocolError(f"A list may hold at most {header['client_capacity']:,} different numbers.")
    client = psi.client.CreateWithNewKey(True)
    setups = [psi.ServerSetup.FromString(shard) for shard in shards]
    batch = header["request_max_numbers"]
    hits: set[str] = set()
    with ThreadPoolExecutor(max_workers=1) if overlap else InProcess() as network:
        waiting = None
        for start in range(0, len(numbers), batch):
            part = numbers[start : start + batch]
            asked = network.submit(answer, client.CreateRequest(part).SerializeToString())
            if waiting:
                hits.update(batch_hits(client, setups, header, *waiting))
                advance(len(waiting[0]))
            waiting = part, asked
        if waiting:
            hits.update(batch_hits(client, setups, header, *waiting))
            advance(len(waiting[0]))
    return hits


class InProcess:
    """An executor that runs each call at once, in this thread (for servers that must be called from it)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def submit(self, function, *args) -> Future:
        done = Future()
        done.set_result(function(*args))
        return done


def batch_hits(client, setups: list, header: dict, part: list[str], asked: Future) -> list[str]:
    """The listed numbers of `part`: its response, checked against each shard's set-up for that shard's numbers."""
    body, key_id = asked.result()
    if key_id != header["key_id"]:
        raise ProtocolError("The server's key changed since the set-up was built. Run the screening again.")
    response = psi.Response.FromString(body)
    if len(response.encrypted_elements) != len(part):
        raise ProtocolError("The server answered for another number of numbers than were sent.")
    positions_by_shard: dict[int, list[int]] = defaultdict(list)
    for position, number in enumerate(part):
        positions_by_shard[shard_of(number, header["shard_count"])].append(position)
    found = []
    for shard, positions in positions_by_shard.items():
        own = psi.Response()
        own.encrypted_elements.extend(response.encrypted_elements[position] for position in positions)
        found.extend(part[positions[index]] for index in client.GetIntersection(setups[shard], own))
    return found
