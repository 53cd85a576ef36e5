"""How pages show the product's values: outcome badges, numbers, dates and audit events.

Templates load it with `{% load present %}`. Every date on a page goes through `day` or `moment`
(lib/dates.py), so the whole site writes "16 Mar 2025" one way.
"""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html

from audit.describe import describe
from directory.matching import Outcome
from lib import dates

register = template.Library()

OUTCOME_LABELS = {
    Outcome.MATCH: "Match",
    Outcome.OUTSIDE_WINDOW: "Outside the window",
    Outcome.NO_MATCH: "No match",
    Outcome.INVALID: "Invalid",
    Outcome.DUPLICATE: "Repeat",
}


@register.filter
def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, str(outcome).replace("_", " ").capitalize())


@register.simple_tag
def outcome_badge(outcome: str, first_row=None) -> str:
    """The outcome in words on a coloured badge; a repeat names its first row when it is known."""
    label = outcome_label(outcome)
    if outcome == Outcome.DUPLICATE and first_row:
        label = f"Repeat of row {intcomma(first_row)}"
    return format_html('<span class="badge badge-{}">{}</span>', str(outcome).replace("_", "-"), label)


@register.filter
def number(value) -> str:
    """2000000 -> "2,000,000"; nothing stays nothing."""
    if value is None or value == "":
        return ""
    return intcomma(value, use_l10n=False)


register.filter("day", dates.day)
register.filter("month", dates.month)
register.filter("moment", dates.moment)


@register.filter
def placed(operations) -> list[dict]:
    """The operations of a match's evidence that have a jurisdiction. Results stored before evidence
    left out empty jurisdictions may still hold some, and a blank place would read as a gap."""
    return [operation for operation in operations or [] if operation["jurisdiction"]]


@register.filter
def sentence(event) -> str:
    """An audit event's action and detail as one sentence."""
    return describe(event.action, event.detail)


@register.simple_tag
def confirm_attributes(question) -> str:
    """The attributes that make a link open `question` in the page's dialog (static/js/confirm.js)."""
    return format_html(
        'data-confirm-title="{}" data-confirm-text="{}" data-confirm-button="{}"',
        question.title,
        question.text,
        question.button,
    )
