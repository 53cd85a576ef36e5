"""Lookups: one number or a list, checked by a member (SPEC sections 3 and 6)."""

from audit.services import record_event, record_number_events, refusal_recorded
from directory.matching import MatchInput, MatchResult, match_inputs, outcome_counts
from lib import limits


def lookup_numbers(
    *, membership, inputs: list[MatchInput], region: str | None = None, request=None
) -> list[MatchResult]:
    """Check inputs for a member: rate limit and quota first, then match, then audit.

    Raises limits.LimitExceeded before any work when a limit is reached; the refusal is audited
    (with how many numbers, never which), since refused sweeps are what an auditor looks for.
    """
    with refusal_recorded(
        action="lookup.refused",
        request=request,
        actor=membership.user,
        organization=membership.organization,
        detail={"numbers": len(inputs)},
    ):
        limits.consume_lookup(membership.user, membership.organization, len(inputs))
    return match_and_record(membership=membership, inputs=inputs, region=region, request=request, action="lookup")


def match_and_record(
    *, membership, inputs: list[MatchInput], region: str | None, request, action: str
) -> list[MatchResult]:
    """Match inputs whose limits were checked and audit them: `action` with the counts, and with more
    than one number an event per number (a keyed hash, and the outcome)."""
    results = match_inputs(inputs, region or membership.organization.default_region)
    record_event(
        action=action,
        request=request,
        actor=membership.user,
        organization=membership.organization,
        number=results[0].e164 if len(results) == 1 else None,
        detail={"numbers": len(results), "counts": outcome_counts(results)},
    )
    if len(results) > 1:
        record_number_events(
            action="lookup.number",
            request=request,
            actor=membership.user,
            organization=membership.organization,
            numbers=[(result.e164, {"outcome": result.outcome}) for result in results if result.e164],
        )
    return results


def record_lookup_export(*, membership, how: str, rows: int, request=None) -> None:
    """The lookup page's CSV download or copy is an export: audited before the browser makes the file.

    The results are not stored, so the page tells how it exports and how many rows; never the numbers.
    """
    record_event(
        action="lookup.exported",
        request=request,
        actor=membership.user,
        organization=membership.organization,
        detail={"format": "csv", "how": how, "rows": rows},
    )
