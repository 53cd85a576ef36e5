"""Phone number normalization: the one module every part of the product calls.

`normalize` gives exactly what `phonenumbers.parse` + `format_number(E164)`
give, and calls an input invalid unless `is_possible_number_with_reason`
says IS_POSSIBLE (SPEC section 3). The extension is kept apart, never matched.
"""

import re
from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    NumberParseException,
    PhoneMetadata,
    PhoneNumberFormat,
    PhoneNumberType,
    ValidationResult,
)
from phonenumbers.phonenumberutil import _number_type_helper

from lib.errors import DomainError

PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}

POSSIBILITY_REASONS = {
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "missing area code",
    ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    ValidationResult.TOO_SHORT: "too short",
    ValidationResult.INVALID_LENGTH: "wrong number of digits for its country",
    ValidationResult.TOO_LONG: "too long",
}

# The commonest shape of company numbers: a US number written nationally or with +1, in the usual
# separators, maybe with a short extension (x123, ext. 45, #9, ;ext=7). For these, phonenumbers gives
# "+1" and the ten digits (the leading "1" is its national prefix), always IS_POSSIBLE, and the
# extension's digits; matching them directly skips the parser. Anything else, including letters and
# longer extensions, goes through phonenumbers. tests/lib/test_phone.py checks the two agree.
US_FAST_SHAPE = re.compile(
    r"[ \t]*(?:\+?1[ .\-]?)?\(?([2-9][0-9]{2})\)?[ .\-]?([2-9][0-9]{2})[ .\-]?([0-9]{4})"
    r"(?:;ext=([0-9]{1,6})|[ ]?(?:[xX#]|ext\.?)[ ]?([0-9]{1,6}))?[ \t]*",
    re.ASCII,
)

# "+" and at most 19 digits: the longest number phonenumbers calls possible (a country code and a
# national number), longer than the 15 digits E.164 allows.
E164_MAX_LENGTH = 20

NUMBER_TYPE_NAMES = {
    value: name.lower() for name, value in vars(phonenumbers.PhoneNumberType).items() if name.isupper()
}


class Normalized(NamedTuple):
    """The result of normalizing one raw input."""

    raw: str
    e164: str | None
    reason: str = ""
    extension: str = ""

    @property
    def is_valid(self) -> bool:
        return self.e164 is not None


def normalize(raw: str, region: str | None) -> Normalized:
    """Normalize one raw input in the given default region (None: country code required)."""
    text = "" if raw is None else str(raw)
    if region == "US" and (shape := US_FAST_SHAPE.fullmatch(text)):
        area, exchange, line, rfc_extension, extension = shape.groups()
        return Normalized(text, f"+1{area}{exchange}{line}", "", rfc_extension or extension or "")
    if len(text) > phonenumbers.phonenumberutil._MAX_INPUT_STRING_LENGTH:
        return _parsed(text, region)
    return _recently_parsed(text, region)


def _parsed(text: str, region: str | None) -> Normalized:
    """`normalize` through phonenumbers."""
    if not text.strip():
        return Normalized(raw=text, e164=None, reason="empty")
    try:
        parsed = phonenumbers.parse(text, region)
    except NumberParseException as error:
        return Normalized(raw=text, e164=None, reason=PARSE_REASONS.get(error.error_type, "not a phone number"))
    possibility = phonenumbers.is_possible_number_with_reason(parsed)
    if possibility != ValidationResult.IS_POSSIBLE:
        return Normalized(raw=text, e164=None, reason=POSSIBILITY_REASONS.get(possibility, "not a possible number"))
    extension = parsed.extension or ""
    parsed.extension = None
    return Normalized(raw=text, e164=phonenumbers.format_number(parsed, PhoneNumberFormat.E164), extension=extension)


# The same few words fill many rows of a list ("n/a", "tbd", "#REF!"): the last inputs' results are
# kept, each parsed once. Only inputs phonenumbers reads at all (250 characters at most), so the cache
# stays small whatever a list holds.
_recently_parsed = lru_cache(maxsize=4096)(_parsed)


class InvalidNumber(DomainError):
    """An input that is not a usable phone number; the message says why, for a person."""


def to_e164(raw: str, region: str | None) -> str:
    """The E.164 form of a number typed by a person, or InvalidNumber with the reason."""
    normalized = normalize(raw, region)
    if not normalized.is_valid:
        raise InvalidNumber(f"Not a usable phone number: {normalized.reason}.")
    return normalized.e164


@lru_cache(maxsize=4096)
def describe(e164: str) -> tuple[str, str]:
    """Region code and number type (e.g. 'mobile') of a normalized number.

    `phonenumbers.number_type` finds the number's region again, the slowest step; an import
    describes hundreds of thousands of new numbers, so the region found here is used for the type
    too, as `number_type` itself does, and where finding the region gave the type already (a US
    number), it is not worked out twice. tests/lib/test_phone.py checks the two agree.
    """
    parsed = phonenumbers.parse(e164, None)
    national = phonenumbers.national_significant_number(parsed)
    found, kind = _region_and_type(parsed, national)
    region = found or phonenumbers.region_code_for_country_code(parsed.country_code)
    if kind is None:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(parsed.country_code, found)
        kind = PhoneNumberType.UNKNOWN if metadata is None else _number_type_helper(national, metadata)
    return ("" if region in ("ZZ", "001") else region), NUMBER_TYPE_NAMES.get(kind, "unknown")


def _region_and_type(parsed: phonenumbers.PhoneNumber, national: str) -> tuple[str | None, int | None]:
    """`phonenumbers.region_code_for_number`, and the number's type there when finding the region gave it.

    Of the regions sharing a country code, the first whose leading digits start the number, or
    (a region without leading digits) whose patterns give the number a type, as phonenumbers does.
    """
    regions = COUNTRY_CODE_TO_REGION_CODE.get(parsed.country_code)
    if not regions or len(regions) == 1:
        return phonenumbers.region_code_for_number(parsed), None
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if re.match(metadata.leading_digits, national):
                return region, None
            continue
        kind = _number_type_helper(national, metadata)
        if kind != PhoneNumberType.UNKNOWN:
            return region, kind
    return None, None


class UnknownRegion(DomainError):
    """A region code phonenumbers does not know."""


def is_known_region(region: str) -> bool:
    return region.upper() in phonenumbers.SUPPORTED_REGIONS


def clean_region(text: str) -> str:
    """A region typed by a person (for numbers without a country code), upper-cased, or UnknownRegion."""
    region = (text or "").strip().upper()
    if not is_known_region(region):
        raise UnknownRegion(f"Unknown region {region!r}: use a two-letter code such as US or GB.")
    return region
