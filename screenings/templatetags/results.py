"""Template helpers for result tables: links that keep the table's filters, outcomes and reasons in words."""

from django import template

from screenings.models import OUTCOME_WORDS

register = template.Library()

# The reasons lib.phone gives, and the column names a window date error starts with, as sentences.
REASONS = {
    "empty": "The cell is empty.",
    "not a phone number": "This is not a phone number.",
    "missing area code": "The number has no area code.",
    "unknown country code": "The country code is not one we know.",
}
WINDOW_COLUMNS = {"assigned_from": "The 'held from' date", "assigned_to": "The 'held until' date"}


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The page's query string with some parameters changed; any change but a page number starts at page 1."""
    query = context["request"].GET.copy()
    if "page" not in changes:
        query.pop("page", None)
    for name, value in changes.items():
        if value in ("", None):
            query.pop(name, None)
        else:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def outcome_words(outcome: str) -> str:
    return OUTCOME_WORDS.get(outcome, outcome)


@register.filter
def plain_reason(reason: str) -> str:
    """Why a row is invalid, as a sentence: 'too short' becomes 'The number is too short.'"""
    if not reason or reason in REASONS:
        return REASONS.get(reason, "")
    for name, words in WINDOW_COLUMNS.items():
        if reason.startswith(name):
            return f"{words}{reason[len(name) :]}."
    return f"The number is {reason}." if reason.startswith(("too ", "wrong ")) else reason[:1].upper() + reason[1:]


@register.filter
def thousands(value) -> str:
    """1234567 as 1,234,567; anything not a number as it is."""
    return f"{value:,}" if isinstance(value, int) else ("" if value is None else str(value))


@register.filter
def column_of(result, screening) -> str:
    """The phone column a result came from, when the screening had several; "" otherwise."""
    layout = screening.column_layout
    return layout.column_name(result.column) if len(layout.phones) > 1 else ""
