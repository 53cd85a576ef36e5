"""Matching inputs against the directory (SPEC section 3): the one service that decides outcomes.

Lookups, batch lookups and screenings all call `match_inputs`. It costs one
query for the whole batch, plus one for the contacts of the numbers that
are listed.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date

from directory.models import Contact, ListedNumber
from directory.phone import normalize

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


@dataclass(frozen=True)
class MatchInput:
    """One number to check, with the window when the company held it (both ends inclusive)."""

    raw: str
    assigned_from: date | None = None
    assigned_to: date | None = None
    label: str = ""

    def covers(self, day: date) -> bool:
        return (self.assigned_from is None or day >= self.assigned_from) and (
            self.assigned_to is None or day <= self.assigned_to
        )


@dataclass
class MatchResult:
    input: MatchInput
    outcome: str
    e164: str | None = None
    reason: str = ""
    evidence: dict | None = None
    extension: str = ""


@dataclass
class ContactFacts:
    """What an organization may see of one contact: never case references, notes or staff."""

    day: date
    channel: str
    jurisdiction: str
    started_on: date | None
    ended_on: date | None


@dataclass
class Candidate:
    input: MatchInput
    e164: str
    extension: str


def match_inputs(inputs: list[MatchInput], region: str) -> list[MatchResult]:
    """Outcome of every input, in input order."""
    results: list[MatchResult | None] = []
    candidates: dict[int, Candidate] = {}
    seen: set[str] = set()
    for position, item in enumerate(inputs):
        result, e164, extension = _classify(item, region, seen)
        results.append(result)
        if result is None:
            candidates[position] = Candidate(item, e164, extension)
    facts = listed_contact_facts({candidate.e164 for candidate in candidates.values()})
    for position, candidate in candidates.items():
        results[position] = _decide(candidate, facts.get(candidate.e164))
    return results


def _classify(item: MatchInput, region: str, seen: set[str]) -> tuple[MatchResult | None, str, str]:
    """Invalid and duplicate rows are decided at once; the rest need the directory."""
    normalized = normalize(item.raw, region)
    if not normalized.is_valid:
        return MatchResult(item, Outcome.INVALID, reason=normalized.reason), "", ""
    if item.assigned_from and item.assigned_to and item.assigned_from > item.assigned_to:
        reason = "assignment window ends before it starts"
        return MatchResult(item, Outcome.INVALID, reason=reason), "", ""
    if normalized.e164 in seen:
        result = MatchResult(item, Outcome.DUPLICATE, e164=normalized.e164, extension=normalized.extension)
        return result, "", ""
    seen.add(normalized.e164)
    return None, normalized.e164, normalized.extension


def _decide(candidate: Candidate, contacts: list[ContactFacts] | None) -> MatchResult:
    item = candidate.input
    if not contacts:
        return MatchResult(item, Outcome.NO_MATCH, e164=candidate.e164, extension=candidate.extension)
    in_window = [fact for fact in contacts if item.covers(fact.day)]
    if not in_window:
        return MatchResult(
            item,
            Outcome.OUTSIDE_WINDOW,
            e164=candidate.e164,
            extension=candidate.extension,
            reason="every contact falls outside the assignment window",
        )
    return MatchResult(
        item,
        Outcome.MATCH,
        e164=candidate.e164,
        extension=candidate.extension,
        evidence=build_evidence(candidate.e164, in_window),
    )


def listed_contact_facts(e164s: set[str]) -> dict[str, list[ContactFacts]]:
    """Contacts of the listed (never under-review or removed) numbers among these.

    Two indexed queries, the second only when something is listed: a join of the inputs with
    every contact can make PostgreSQL scan the whole contact table.
    """
    if not e164s:
        return {}
    listed = dict(ListedNumber.objects.matchable().filter(e164__in=e164s).values_list("pk", "e164"))
    if not listed:
        return {}
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
    facts: dict[str, list[ContactFacts]] = defaultdict(list)
    for number_id, occurred_at, channel, city, region, country, started_on, ended_on in rows:
        jurisdiction = ", ".join(part for part in (city, region, country) if part)
        day = occurred_at.astimezone(UTC).date()
        facts[listed[number_id]].append(ContactFacts(day, channel, jurisdiction, started_on, ended_on))
    return facts


def build_evidence(e164: str, contacts: list[ContactFacts]) -> dict:
    days = [fact.day for fact in contacts]
    operations = sorted(
        {(fact.jurisdiction, fact.started_on, fact.ended_on) for fact in contacts},
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
