"""Matching inputs against the directory (SPEC section 3): the one service that decides outcomes.

Lookups, batch lookups and screenings all call `match_inputs`. It costs one
query for the whole batch, plus one for the contacts of the numbers that
are listed.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date
from typing import NamedTuple

from django.db import connection

from directory.models import Contact, ListedNumber
from lib.phone import normalize
from lib.phone_lists import WINDOW_REVERSED

DISCLAIMER = (
    "A listing records that a number called or texted a decoy ad. It does not say who used the phone, "
    "and it is not evidence of a crime by any person."
)


class Outcome:
    MATCH = "match"
    OUTSIDE_WINDOW = "outside_window"
    NO_MATCH = "no_match"
    INVALID = "invalid"
    DUPLICATE = "duplicate"

    ALL = (MATCH, OUTSIDE_WINDOW, NO_MATCH, INVALID, DUPLICATE)


class MatchInput(NamedTuple):
    """One number to check, with the window when the company held it (both ends inclusive)."""

    raw: str
    assigned_from: date | None = None
    assigned_to: date | None = None
    label: str = ""

    def covers(self, day: date) -> bool:
        return (self.assigned_from is None or day >= self.assigned_from) and (
            self.assigned_to is None or day <= self.assigned_to
        )


@dataclass(slots=True)
class MatchResult:
    input: MatchInput
    outcome: str
    e164: str | None = None
    reason: str = ""
    evidence: dict | None = None
    extension: str = ""
    contact_span: tuple[date, date] | None = None  # first and last contact day, when outside the window


@dataclass
class ContactFacts:
    """What an organization may see of one contact: never case references, notes or staff."""

    day: date
    channel: str
    jurisdiction: str
    started_on: date | None
    ended_on: date | None


def match_inputs(inputs: list[MatchInput], region: str) -> list[MatchResult]:
    """Outcome of every input, in input order."""
    results: list[MatchResult | None] = []
    candidates: list[tuple[int, str, str]] = []  # position, E.164, extension
    seen: set[str] = set()
    for position, item in enumerate(inputs):
        raw, held_from, held_to, _ = item
        _, e164, reason, extension = normalize(raw, region)
        if e164 is None:
            results.append(MatchResult(item, Outcome.INVALID, reason=reason))
        elif held_from and held_to and held_from > held_to:
            results.append(MatchResult(item, Outcome.INVALID, reason=WINDOW_REVERSED))
        elif e164 in seen:
            results.append(MatchResult(item, Outcome.DUPLICATE, e164, "", None, extension))
        else:
            seen.add(e164)
            results.append(None)
            candidates.append((position, e164, extension))
    facts = listed_contact_facts(seen)
    for position, e164, extension in candidates:
        item = inputs[position]
        contacts = facts.get(e164)
        if contacts is None:
            results[position] = MatchResult(item, Outcome.NO_MATCH, e164, "", None, extension)
        else:
            results[position] = _decide(item, e164, extension, contacts)
    return results


def _decide(item: MatchInput, e164: str, extension: str, contacts: list[ContactFacts]) -> MatchResult:
    in_window = [fact for fact in contacts if item.covers(fact.day)]
    if not in_window:
        reason = "every contact falls outside the assignment window"
        days = [fact.day for fact in contacts]
        span = (min(days), max(days))
        return MatchResult(item, Outcome.OUTSIDE_WINDOW, e164, reason=reason, extension=extension, contact_span=span)
    return MatchResult(item, Outcome.MATCH, e164, evidence=build_evidence(e164, in_window), extension=extension)


def listed_contact_facts(e164s: set[str]) -> dict[str, list[ContactFacts]]:
    """Contacts of the listed (never under-review or removed) numbers among these."""
    if not e164s:
        return {}
    rows = _contacts_of_one(*e164s) if len(e164s) == 1 else _contacts_of_many(e164s)
    facts: dict[str, list[ContactFacts]] = defaultdict(list)
    for e164, occurred_at, channel, city, region, country, started_on, ended_on in rows:
        jurisdiction = ", ".join(part for part in (city, region, country) if part)
        # A written-out query on SQLite gives the stored UTC time without its zone.
        day = occurred_at.astimezone(UTC).date() if occurred_at.tzinfo else occurred_at.date()
        facts[e164].append(ContactFacts(day, channel, jurisdiction, started_on, ended_on))
    return facts


def _contacts_of_many(e164s: set[str]) -> list[tuple]:
    """Two indexed queries, the second only when something is listed: for thousands of inputs, a join
    with every contact can make PostgreSQL scan the whole contact table."""
    matchable = ListedNumber.objects.matchable().order_by().filter(e164__any_of=e164s)
    listed = dict(matchable.values_list("pk", "e164"))
    if not listed:
        return []
    rows = Contact.objects.filter(number_id__in=listed).values_list(
        "number_id",
        "occurred_at",
        "channel",
        "operation__city",
        "operation__region",
        "operation__country",
        "operation__started_on",
        "operation__ended_on",
    )
    return [(listed[number_id], *facts) for number_id, *facts in rows.order_by()]


LISTED_ONE = "SELECT id FROM directory_listednumber WHERE e164 = %s AND status = %s"
CONTACTS_OF_ONE = """
SELECT c.occurred_at, c.channel, o.city, o.region, o.country, o.started_on, o.ended_on
FROM directory_contact c JOIN directory_operation o ON o.id = c.operation_id
WHERE c.number_id = %s
"""


def _contacts_of_one(e164: str) -> list[tuple]:
    """One number, as in a single lookup (hundreds a second): written-out queries, because building
    them with the ORM takes longer than the database takes to answer. Most numbers are not listed:
    they cost one indexed lookup."""
    with connection.cursor() as cursor:
        cursor.execute(LISTED_ONE, [e164, ListedNumber.Status.LISTED])
        listed = cursor.fetchone()
        if listed is None:
            return []
        cursor.execute(CONTACTS_OF_ONE, listed)
        return [(e164, *facts) for facts in cursor.fetchall()]


def build_evidence(e164: str, contacts: list[ContactFacts]) -> dict:
    """What an organization sees of a match. Operations list only those with a jurisdiction: an
    empty place would read as a blank in every page and export that shows the list."""
    days = [fact.day for fact in contacts]
    operations = sorted(
        {(fact.jurisdiction, fact.started_on, fact.ended_on) for fact in contacts if fact.jurisdiction},
        key=lambda op: (op[1] or date.min, op[0]),
    )
    return {
        "e164": e164,
        "first_contact": min(days).isoformat(),
        "last_contact": max(days).isoformat(),
        "contact_count": len(contacts),
        "channels": sorted({fact.channel for fact in contacts}),
        "operations": [
            {
                "jurisdiction": jurisdiction,
                "started_on": started.isoformat() if started else None,
                "ended_on": ended.isoformat() if ended else None,
            }
            for jurisdiction, started, ended in operations
        ],
    }


def outcome_counts(results: list[MatchResult]) -> dict[str, int]:
    counts = dict.fromkeys(Outcome.ALL, 0)
    for result in results:
        counts[result.outcome] += 1
    return counts
