"""Fuzz the API with schemathesis against its own OpenAPI schema, as each kind of caller.

Requests go in-process to Django's WSGI handler inside the test's transaction, so
every case sees the rows the fixture made and nothing outlives the test. Tasks a
request queues (screenings) run once the request is over, as a worker would after
the commit.

Checks: no 5xx, and every response whose status the schema documents has the
documented content type and body. `status_code_conformance` is off: the schema
documents only each operation's success status, not the 400, 401, 403, 404 and
415 answers of SPEC section 7, so every refusal would fail it.
"""

import io
import sys
from contextlib import contextmanager
from datetime import UTC, date, datetime

import openpyxl
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from accounts.models import Membership
from accounts.services import create_api_key
from directory.importing import create_import
from directory.models import ListedNumber
from private_screening import tasks as private_screening_tasks
from screenings import services as screening_services
from tests.factories import (
    ContactFactory,
    ListedNumberFactory,
    MembershipFactory,
    OperationFactory,
    OrganizationFactory,
    StaffFactory,
)

ROLES = ["anonymous", "legal", "hr", "admin", "staff"]
CSRF_TOKEN = "f" * 32
LISTED = "+12065550100"
OPERATION = "Fuzz Operation"
# Numbers in the shapes people type, listed or not, and junk.
NUMBERS = [LISTED, "(206) 555-0100", "+1 206-555-0101", "+44 7700 900123", "2065550100", "12345", "", "call me"]


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SCREENING_FILE = f"employee,phone\nA,{LISTED}\nB,(206) 555-0100\nC,+1 206-555-0101\nD,12345\n".encode()
CONTACTS_FILE = (
    "number,occurred_at,channel,operation\n"
    f"{LISTED},2024-03-01T12:00:00+00:00,call,{OPERATION}\n"
    "+1 206-555-0102,2024-04-01T09:30:00Z,text,A New Operation\n"
    "nonsense,yesterday,fax,\n"
).encode()
FILES = [
    SCREENING_FILE,
    CONTACTS_FILE,
    xlsx([["employee", "phone"], ["A", 2065550100], ["B", "=HYPERLINK(1)"]]),
    b"2065550100\n2065550101\n",
    b"",
]
# Each detail path's seeded keys, filled in by the `callers` fixture, so generated paths can name real rows.
SEEDED: dict[str, list] = {}

# What the request being checked raised on the server, as "Class: message" for it and its causes.
SERVER_EXCEPTIONS: list[str] = []

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20240301,
        "suppress-health-check": ["all"],
        "generation": {
            "max-examples": 25,
            "deterministic": True,
            "database": "none",
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
        },
    }
)
app = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app, config=CONFIG)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the detail requests name a row that exists, or nearly all of them would be 404s."""
    prefix = context.operation.path.partition("{id}")[0]
    if "id" not in (path_parameters or {}):
        return st.just(path_parameters)
    seeded = st.builds(lambda: SEEDED[prefix]).flatmap(st.sampled_from)
    return st.one_of(st.just(path_parameters), seeded.map(lambda key: {**path_parameters, "id": key}))


@schema.hook
def flatmap_body(context, body):
    """Half the bodies get real-looking numbers, regions, columns and files, so they get past validation."""
    if not isinstance(body, dict):
        return st.just(body)
    numbers = st.sampled_from(NUMBERS)
    choices = {
        "number": numbers,
        "e164": numbers,
        "numbers": st.lists(st.one_of(numbers, st.fixed_dictionaries({"number": numbers})), min_size=1, max_size=5),
        "operation": st.builds(lambda: SEEDED["/api/v1/operations/"][0]),
        "region": st.sampled_from(["US", "gb", "ZZ", ""]),
        "file": st.sampled_from(FILES),
        "phone_column": st.sampled_from(["", "phone", "employee", "missing"]),
        "label_column": st.sampled_from(["", "employee", "phone"]),
    }
    replace = {name: strategy for name, strategy in choices.items() if name in body}
    if not replace:
        return st.just(body)
    return st.one_of(st.just(body), st.fixed_dictionaries(replace).map(lambda values: {**body, **values}))


def record_server_exception(**kwargs):
    error = sys.exc_info()[1]
    while error is not None:
        SERVER_EXCEPTIONS.append(f"{type(error).__name__}: {error}")
        error = error.__cause__


@pytest.fixture
def wsgi_in_test():
    """A WSGI request closes the database connection when it ends; the test client stops that, and so do we.

    The server's exceptions are kept so that `request_savepoint` can undo a failed request.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(record_server_exception)
    yield
    got_request_exception.disconnect(record_server_exception)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def callers(db, settings, wsgi_in_test, django_capture_on_commit_callbacks):
    """Each role's headers and cookies, once the directory and the organization's screening have some rows."""
    settings.LOOKUP_REQUESTS_PER_MINUTE = 1_000_000
    settings.LOOKUP_NUMBERS_PER_MINUTE = 1_000_000
    org = OrganizationFactory(daily_lookup_quota=1_000_000, daily_screening_row_quota=1_000_000)
    operation = OperationFactory(name=OPERATION, started_on=date(2024, 2, 1), ended_on=date(2024, 3, 15))
    number = ListedNumberFactory(e164=LISTED)
    removed = ListedNumberFactory(status=ListedNumber.Status.REMOVED, status_reason="Reassigned before the operation.")
    # The contact that detail paths name has a recorder, so its other fields get checked past the recorded_by bug.
    contact = ContactFactory(number=number, operation=operation, recorded_by=StaffFactory())
    ContactFactory(number=number, operation=operation, occurred_at=datetime(2024, 3, 2, tzinfo=UTC))
    found = {"anonymous": ({}, {})}
    for role in (Membership.Role.LEGAL, Membership.Role.HR, Membership.Role.ADMIN):
        member = MembershipFactory(organization=org, role=role).user
        _, key = create_api_key(user=member, name="fuzz")
        found[role] = ({"Authorization": f"Api-Key {key}"}, {})
    with django_capture_on_commit_callbacks(execute=True):
        screening = screening_services.create_screening(
            membership=member.membership, filename="list.csv", data=SCREENING_FILE
        )
        contact_import = create_import(data=CONTACTS_FILE, filename="contacts.csv", create_operations=True)
        private_screening_tasks.start_build()  # the private-screening set-up a worker would have built
    SEEDED.update(
        {
            "/api/v1/numbers/": [number.pk, removed.pk],
            "/api/v1/operations/": [operation.pk],
            "/api/v1/contacts/": [contact.pk],
            "/api/v1/screenings/": [str(screening.pk)],
            "/api/v1/contacts/imports/": [str(contact_import.pk)],
        }
    )
    browser = Client()
    browser.force_login(StaffFactory())
    session = {"sessionid": browser.cookies["sessionid"].value, "csrftoken": CSRF_TOKEN}
    found["staff"] = ({"X-CSRFToken": CSRF_TOKEN}, session)
    return found


@contextmanager
def request_savepoint():
    """Undo a request the server failed: on PostgreSQL a failed query aborts the test's whole transaction."""
    SERVER_EXCEPTIONS.clear()
    with transaction.atomic():
        yield
        if SERVER_EXCEPTIONS:
            transaction.set_rollback(True)


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
def test_api_conforms_to_its_schema(case, role, callers, django_capture_on_commit_callbacks):
    headers, cookies = callers[role]
    with django_capture_on_commit_callbacks(execute=True), request_savepoint():
        case.call_and_validate(headers=headers, cookies=cookies)


def references(node):
    if isinstance(node, dict):
        yield from ([node["$ref"]] if isinstance(node.get("$ref"), str) else [])
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def test_every_schema_reference_resolves():
    """An unresolved `$ref` makes schemathesis send no body at all: that operation would go unfuzzed."""
    components = schema.raw_schema["components"]["schemas"]
    missing = {ref for ref in references(schema.raw_schema) if ref.split("/")[-1] not in components}
    assert missing == set()


# Requests that once failed, kept as regression tests.


@pytest.fixture
def as_staff(api_client, staff):
    api_client.force_authenticate(staff)
    return api_client


def test_posting_a_listed_number_again_is_a_400(as_staff):
    ListedNumberFactory(e164=LISTED)
    assert as_staff.post("/api/v1/numbers/", {"e164": "(206) 555-0100"}, format="json").status_code == 400


def test_posting_a_contact_twice_is_a_400(as_staff):
    contact = {"number": LISTED, "operation": OperationFactory().pk, "occurred_at": "2024-03-01T12:00:00Z"}
    assert as_staff.post("/api/v1/contacts/", {**contact, "channel": "call"}, format="json").status_code == 201
    assert as_staff.post("/api/v1/contacts/", {**contact, "channel": "call"}, format="json").status_code == 400


def test_changing_a_contact_into_another_is_a_400(as_staff):
    first = ContactFactory(channel="call")
    second = ContactFactory(number=first.number, operation=first.operation, channel="text")
    response = as_staff.patch(f"/api/v1/contacts/{second.pk}/", {"channel": "call"}, format="json")
    assert response.status_code == 400


def test_blanking_a_removed_numbers_reason_is_a_400(as_staff):
    number = ListedNumberFactory(status=ListedNumber.Status.REMOVED, status_reason="Reassigned.")
    response = as_staff.patch(f"/api/v1/numbers/{number.pk}/", {"status_reason": ""}, format="json")
    assert response.status_code == 400


def test_a_contact_nobody_recorded_matches_the_schema(as_staff):
    contact = ContactFactory(recorded_by=None)
    assert as_staff.get(f"/api/v1/contacts/{contact.pk}/").json()["recorded_by"] is None
    assert schema.raw_schema["components"]["schemas"]["Contact"]["properties"]["recorded_by"].get("nullable")


def test_datetime_filters_take_any_offset_and_refuse_out_of_range_values(db, api_client, legal):
    """PostgreSQL refuses offsets past 15:59 (500); either database overflows turning year 1 into UTC (500)."""
    api_client.force_authenticate(legal)
    assert api_client.get("/api/v1/screenings/", {"created_after": "2024-01-01T00:00:00+20:00"}).status_code == 200
    assert api_client.get("/api/v1/screenings/", {"created_after": "0001-01-01T00:00:00+01:00"}).status_code == 400
