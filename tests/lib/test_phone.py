import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.screening_data import CompanyList
from lib import phone
from lib.hashing import number_hash
from lib.phone import US_FAST_SHAPE, describe, normalize


def reference(raw: str, region: str):
    """What SPEC section 3 says: phonenumbers.parse + E164, valid only when IS_POSSIBLE."""
    return reference_with_extension(raw, region)[0]


def reference_with_extension(raw: str, region: str) -> tuple[str | None, str]:
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None, ""
    if phonenumbers.is_possible_number_with_reason(parsed) != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None, ""
    extension, parsed.extension = parsed.extension or "", None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), extension


def normalized(raw: str, region: str) -> tuple[str | None, str]:
    result = normalize(raw, region)
    return result.e164, result.extension


digits = st.text(alphabet="0123456789", min_size=0, max_size=16)
noise = st.sampled_from(["", " ", "-", ".", "(", ")", "+", "/", "ext. ", " x", "#", "\u3000", "\t"])
fullwidth = st.text(alphabet="０１２３４５６７８９", min_size=1, max_size=12)
letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabc", min_size=0, max_size=8)
phone_like = st.lists(st.one_of(digits, noise, fullwidth, letters), min_size=1, max_size=8).map("".join)
regions = st.sampled_from(["US", "GB", "AU", "DE", "FR", "IN", "CA"])


@settings(max_examples=1500, deadline=None)
@given(raw=st.one_of(phone_like, st.text(max_size=40)), region=regions)
def test_normalize_agrees_with_phonenumbers(raw, region):
    assert normalize(raw, region).e164 == reference(raw, region)


@settings(max_examples=500, deadline=None)
@given(
    national=st.from_regex(r"[2-9][0-9]{2}[2-9][0-9]{6}", fullmatch=True),
    shape=st.sampled_from(
        ["{a}-{b}-{c}", "({a}) {b}-{c}", "+1 {a} {b} {c}", "1{a}{b}{c}", "{a}.{b}.{c}", "011 1 {a}{b}{c}"]
    ),
)
def test_every_written_shape_of_a_us_number_gives_the_same_e164(national, shape):
    raw = shape.format(a=national[:3], b=national[3:6], c=national[6:])
    assert normalize(raw, "US").e164 == f"+1{national}"


@pytest.mark.parametrize(
    ("raw", "e164", "extension"),
    [
        ("(206) 555-0123", "+12065550123", ""),
        ("+1 415 928 6032 ext. 8", "+14159286032", "8"),
        ("01161412345678", "+61412345678", ""),
        ("1-800-FLOWERS", "+18003569377", ""),
        ("２０６５５５０１２３", "+12065550123", ""),
    ],
)
def test_common_shapes(raw, e164, extension):
    result = normalize(raw, "US")
    assert (result.e164, result.extension, result.raw) == (e164, extension, raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2.06555E+09", "not a phone number"),
        ("555-0123", "missing area code"),
        ("2065550123.0", "too long"),
        ("", "empty"),
        ("hello", "not a phone number"),
    ],
)
def test_invalid_inputs_get_a_plain_reason(raw, reason):
    result = normalize(raw, "US")
    assert result.e164 is None
    assert result.reason == reason


def test_describe_gives_region_and_type():
    assert describe("+447400123456") == ("GB", "mobile")


def test_describe_falls_back_to_the_country_code_for_fictional_ranges():
    assert describe("+447700900123") == ("GB", "unknown")


def public_description(e164: str) -> tuple[str, str]:
    """Region and type as phonenumbers' public functions give them (each finds the region itself)."""
    parsed = phonenumbers.parse(e164, None)
    region = phonenumbers.region_code_for_number(parsed) or phonenumbers.region_code_for_country_code(
        parsed.country_code
    )
    kind = phonenumbers.PhoneNumberType.to_string(phonenumbers.number_type(parsed)).lower()
    return ("" if region in ("ZZ", "001") else region), kind


def example_numbers():
    """Every region's example number of every type, and a number of each non-geographic calling code."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(12):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                yield phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            yield phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def test_describe_agrees_with_phonenumbers_public_functions():
    numbers = list(example_numbers())
    assert len(numbers) > 1000
    assert [describe(e164) for e164 in numbers] == [public_description(e164) for e164 in numbers]


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_describe_agrees_on_any_number_that_parses(e164):
    try:
        phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return
    assert describe(e164) == public_description(e164)


def test_number_hash_is_keyed_and_stable(settings):
    first = number_hash("+12065550123")
    assert first == number_hash("+12065550123")
    assert "2065550123" not in first
    settings.NUMBER_HASH_KEY = "another key"
    assert number_hash("+12065550123") != first


us_digits = st.from_regex(r"[0-9]{3}", fullmatch=True)
separator = st.sampled_from(["", " ", "-", ".", "  ", "/", "\t", "\u00a0"])
prefix = st.sampled_from(["", "1", "+1", "1 ", "+1 ", "1-", "+1-", "+1.", "01", "+", "11", "001 "])
space = st.sampled_from(["", " ", "\n"])


@settings(max_examples=3000, deadline=None)
@given(
    parts=st.tuples(us_digits, us_digits, st.from_regex(r"[0-9]{4}", fullmatch=True)),
    prefix=prefix,
    first=separator,
    second=separator,
    third=separator,
    parens=st.sampled_from(["", "()", "(", ")"]),
    lead=space,
    trail=space,
)
def test_the_us_fast_path_agrees_with_phonenumbers(parts, prefix, first, second, third, parens, lead, trail):
    area, exchange, line = parts
    area = f"{'(' if '(' in parens else ''}{area}{')' if ')' in parens else ''}"
    raw = f"{lead}{prefix}{first}{area}{second}{exchange}{third}{line}{trail}"
    assert normalize(raw, "US").e164 == reference(raw, "US")


@settings(max_examples=3000, deadline=None)
@given(
    national=st.from_regex(r"[0-9]{10}", fullmatch=True),
    shape=st.sampled_from(["{a}-{b}-{c}", "({a}) {b}-{c}", "+1 {a} {b} {c}", "1{a}{b}{c}", "{a}.{b}.{c}"]),
    label=st.sampled_from(["x", "X", "#", "ext", "ext.", "Ext.", ";ext=", "ext:", "extn", "~", ",", "x.", "xx", ""]),
    before=st.sampled_from(["", " ", "  ", "\t", " - "]),
    after=st.sampled_from(["", " ", "  ", "."]),
    digits=st.from_regex(r"[0-9]{0,12}", fullmatch=True),
    trail=st.sampled_from(["", " ", "#", "\n"]),
)
def test_the_us_fast_path_agrees_with_phonenumbers_on_extensions(national, shape, label, before, after, digits, trail):
    number = shape.format(a=national[:3], b=national[3:6], c=national[6:])
    raw = f"{number}{before}{label}{after}{digits}{trail}"
    assert normalized(raw, "US") == reference_with_extension(raw, "US")


def test_every_row_of_the_screening_benchmark_agrees_with_phonenumbers():
    """The benchmark's list (bench/screening_data.py): 20,000 rows of every kind, fast path or not."""
    company = CompanyList(listed_count=5_000_000, seed=7)
    rows = [company.phone() for _ in range(20_000)]
    assert sum(1 for raw in rows if US_FAST_SHAPE.fullmatch(raw)) > 15_000
    assert [normalized(raw, "US") for raw in rows] == [reference_with_extension(raw, "US") for raw in rows]


def test_long_cells_are_not_kept_once_read():
    """Results are kept for the short words that fill many rows ("n/a"), never for long cells: a list of
    4,096 cells of 131,072 characters held 513 MiB in each worker process until it restarted."""
    phone._recently_parsed.cache_clear()
    for index in range(20):
        assert normalize(f"{index} " + "x" * 131_072, "US").reason == "too long"
    assert normalize("n/a", "US") == normalize("n/a", "US")
    assert phone._recently_parsed.cache_info().currsize == 1
