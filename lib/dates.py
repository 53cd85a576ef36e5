"""How the product writes a date for people: "16 Mar 2025", the same on pages, in names and in audit sentences.

Machine-read files (CSV, XLSX, the API) keep ISO dates; these are for reading.
"""

from datetime import date, datetime

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateparse import parse_date, parse_datetime

DAY = "j M Y"
MONTH = "M Y"
MOMENT = "j M Y, H:i T"


def as_date(value) -> date | None:
    """Dates arrive as dates, aware datetimes, or ISO text from stored evidence and audit details."""
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value)
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value if isinstance(value, date) else None


def day(value) -> str:
    """16 Mar 2025; anything that is not a date is nothing."""
    value = as_date(value)
    return format_date(value, DAY) if value else ""


def month(value) -> str:
    """Mar 2025."""
    value = as_date(value)
    return format_date(value, MONTH) if value else ""


def moment(value) -> str:
    """16 Mar 2025, 14:03 UTC; a date without a time is written as a day."""
    value = as_date(value)
    if not isinstance(value, datetime):
        return day(value)
    return format_date(value, MOMENT)
