"""Every URL the project has, for every kind of visitor.

The URL list is read from the resolver: a new URL without a row here fails
`test_every_url_has_expectations`, so nothing new goes unchecked.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Invitation, Membership, Organization
from accounts.services import create_api_key, invite_member
from directory.importing import create_import
from lib.hashing import number_hash
from screenings.models import Alert, Watch, WatchedNumber
from screenings.services import create_draft
from tests.factories import (
    ContactFactory,
    ListedNumberFactory,
    MembershipFactory,
    OperationFactory,
    OrganizationFactory,
    ScreeningFactory,
    ScreeningResultFactory,
    StaffFactory,
)

VISITORS = ["anonymous", "pending", "legal", "hr", "admin", "other_org_admin", "staff", "staff_without_permissions"]
MEMBERS = ["legal", "hr", "admin", "other_org_admin"]


def statuses(anonymous: int, members: int = 403, **visitors: int) -> dict[str, int]:
    """The status each visitor gets: `anonymous` for the visitor not logged in, `members` for the members of
    approved organizations, 403 for the member of a pending one and for staff; `visitors` names exceptions."""
    return {**dict.fromkeys(VISITORS, 403), "anonymous": anonymous, **dict.fromkeys(MEMBERS, members), **visitors}


PUBLIC = dict.fromkeys(VISITORS, 200)
LOGGED_IN_PAGE = {"anonymous": 302, **dict.fromkeys(VISITORS[1:], 200)}
ORG_ADMIN_PAGE = statuses(302, admin=200, other_org_admin=200)
ORG_ADMIN_OBJECT_POST = statuses(302, admin=302, other_org_admin=404)
# An upload waiting for confirmation is its uploader's (the hr member's) alone.
OWN_DRAFT_PAGE = statuses(302, hr=200, admin=404, other_org_admin=404)
MEMBER_PAGE = statuses(302, members=200)
MEMBER_EMPTY_POST = statuses(302, members=400)
MEMBER_API_EMPTY_POST = statuses(401, members=400)
SCREENER_PAGE = {**MEMBER_PAGE, "legal": 403}
ORG_OBJECT_PAGE = {**MEMBER_PAGE, "other_org_admin": 404}
SCREENER_OBJECT_POST = statuses(302, hr=302, admin=302, other_org_admin=404)
MEMBER_API = statuses(401, members=200)
ORG_OBJECT_API = {**MEMBER_API, "other_org_admin": 404}
STAFF_API = statuses(401, staff=200)

SCREENER_API_EMPTY_POST = {**MEMBER_API_EMPTY_POST, "legal": 403}
# The private-screening request takes a binary body: a JSON one is refused as the wrong media type.
SCREENER_API_WRONG_BODY = {**SCREENER_API_EMPTY_POST, "hr": 415, "admin": 415, "other_org_admin": 415}
# No private-screening set-up is built in these tests: who may download it hears "not ready" (503).
SCREENER_API_NOT_READY = {**SCREENER_API_EMPTY_POST, "hr": 503, "admin": 503, "other_org_admin": 503}

# name: (method, name of its kwargs in `world` or None, expected status per visitor)
EXPECTED = {
    # URLs that take no arguments
    "front:home": ("get", None, PUBLIC),
    "front:how_it_works": ("get", None, PUBLIC),
    "front:dashboard": ("get", None, LOGGED_IN_PAGE),
    "accounts:login": ("get", None, {"anonymous": 200, **dict.fromkeys(VISITORS[1:], 302)}),
    "accounts:logout": ("post", None, dict.fromkeys(VISITORS, 302)),
    "accounts:two_factor": ("get", None, LOGGED_IN_PAGE),
    "accounts:request_access": ("get", None, PUBLIC),
    "accounts:members": ("get", None, ORG_ADMIN_PAGE),
    "accounts:api_keys": ("get", None, ORG_ADMIN_PAGE),
    "accounts:audit_log": ("get", None, ORG_ADMIN_PAGE),
    "accounts:password_reset": ("get", None, PUBLIC),
    "accounts:password_reset_done": ("get", None, PUBLIC),
    "directory:lookup": ("get", None, MEMBER_PAGE),
    "directory:lookup_xlsx": ("post", None, MEMBER_EMPTY_POST),
    "directory:evidence_report": ("post", None, MEMBER_EMPTY_POST),
    "directory:lookup_exported": ("post", None, MEMBER_EMPTY_POST),
    "api:lookup": ("post_json", None, MEMBER_API_EMPTY_POST),
    "api:lookup-batch": ("post_json", None, MEMBER_API_EMPTY_POST),
    "screenings:list": ("get", None, MEMBER_PAGE),
    "screenings:new": ("get", None, SCREENER_PAGE),
    "private_screening:how_to": ("get", None, MEMBER_PAGE),
    "private_screening:client": ("get", None, MEMBER_PAGE),
    "api:private-screening-setup": ("get", None, SCREENER_API_NOT_READY),
    "api:private-screening-request": ("post_json", None, SCREENER_API_WRONG_BODY),
    "api:private-screening-confirm": ("post_json", None, SCREENER_API_EMPTY_POST),
    "screenings:watches": ("get", None, SCREENER_PAGE),
    "screenings:alerts": ("get", None, SCREENER_PAGE),
    "api:screening-list": ("get", None, MEMBER_API),
    "disputes:new": ("get", None, PUBLIC),
    "disputes:confirm": ("get", None, dict.fromkeys(VISITORS, 302)),  # back to the form without a started dispute
    "statistics": ("get", None, {**dict.fromkeys(VISITORS, 302), "staff": 200, "staff_without_permissions": 200}),
    "api:schema": ("get", None, PUBLIC),
    "api:docs": ("get", None, PUBLIC),
    "api:number-list": ("get", None, STAFF_API),
    "api:operation-list": ("get", None, STAFF_API),
    "api:contact-list": ("get", None, STAFF_API),
    "api:contact-import": ("get", None, {**STAFF_API, "staff": 405}),
    # URLs that take arguments: the kwargs `world` builds under that name
    "accounts:confirm_access_request": ("get", "bogus_token", dict.fromkeys(VISITORS, 404)),
    "accounts:accept_invitation": ("get", "bogus_token", dict.fromkeys(VISITORS, 404)),
    "accounts:member_role": ("post", "membership", ORG_ADMIN_OBJECT_POST),
    "accounts:member_remove": ("post", "membership", ORG_ADMIN_OBJECT_POST),
    "accounts:invitation_resend": ("post", "invitation", ORG_ADMIN_OBJECT_POST),
    "accounts:invitation_revoke": ("post", "invitation", ORG_ADMIN_OBJECT_POST),
    "accounts:api_key_revoke": ("post", "api_key", ORG_ADMIN_OBJECT_POST),
    "accounts:password_reset_confirm": ("get", "reset_link", PUBLIC),
    "screenings:confirm": ("get", "draft", OWN_DRAFT_PAGE),
    "screenings:template": ("get", "template", SCREENER_PAGE),
    "screenings:detail": ("get", "screening", ORG_OBJECT_PAGE),
    "screenings:status": ("get", "screening", ORG_OBJECT_PAGE),
    "screenings:csv": ("get", "screening", ORG_OBJECT_PAGE),
    "screenings:xlsx": ("get", "screening", ORG_OBJECT_PAGE),
    "screenings:evidence": ("get", "screening_match", ORG_OBJECT_PAGE),
    "screenings:delete": ("post", "screening", SCREENER_OBJECT_POST),
    "screenings:watch_start": ("post", "screening", SCREENER_OBJECT_POST),
    "screenings:watch_stop": ("post", "watch", SCREENER_OBJECT_POST),
    "screenings:alert_review": ("post", "alert", SCREENER_OBJECT_POST),
    "api:screening-detail": ("get", "screening", ORG_OBJECT_API),
    "api:screening-results": ("get", "screening", ORG_OBJECT_API),
    "api:screening-results-csv": ("get", "screening", ORG_OBJECT_API),
    "api:screening-results-xlsx": ("get", "screening", ORG_OBJECT_API),
    "api:number-detail": ("get", "number", STAFF_API),
    "api:operation-detail": ("get", "operation", STAFF_API),
    "api:contact-detail": ("get", "contact", STAFF_API),
    "api:contact-import-detail": ("get", "contact_import", STAFF_API),
    "api:contact-import-rows": ("get", "contact_import", STAFF_API),
    "api:contact-import-csv": ("get", "contact_import", STAFF_API),
}


def url_names(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace != "admin":
                yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_has_expectations():
    names = set(url_names())
    assert names - set(EXPECTED) == set(), "add the new URLs to EXPECTED"
    assert set(EXPECTED) - names == set()


@pytest.fixture
def world(db):
    org = OrganizationFactory()
    members = {role: MembershipFactory(organization=org, role=role).user for role in ("legal", "hr", "admin")}
    pending_org = OrganizationFactory(status=Organization.Status.PENDING)
    other_org = OrganizationFactory()
    users = {
        "anonymous": None,
        "pending": MembershipFactory(organization=pending_org, role=Membership.Role.ADMIN).user,
        **members,
        "other_org_admin": MembershipFactory(organization=other_org, role=Membership.Role.ADMIN).user,
        "staff": StaffFactory(),
        "staff_without_permissions": StaffFactory(is_superuser=False),
    }
    victim = MembershipFactory(organization=org, role=Membership.Role.LEGAL)
    invitation = invite_member(organization=org, email=f"new@{org.domains.get().domain}", role="legal")
    api_key, _ = create_api_key(user=victim.user, name="k")
    contact_number = ListedNumberFactory()
    contact = ContactFactory(number=contact_number)
    screening = ScreeningFactory(organization=org)
    watch = Watch.objects.create(organization=org, screening=screening, name="phones.csv")
    watched = WatchedNumber.objects.create(watch=watch, number_hash=number_hash(contact_number.e164))
    kwargs = {
        "bogus_token": {"token": "not-a-real-token"},
        "membership": {"pk": victim.pk},
        "invitation": {"pk": invitation.pk},
        "api_key": {"pk": api_key.pk},
        "reset_link": {"uidb64": "MQ", "token": "set-password"},
        "number": {"pk": contact_number.pk},
        "operation": {"pk": OperationFactory().pk},
        "contact": {"pk": contact.pk},
        "screening": {"pk": screening.pk},
        "screening_match": {"pk": screening.pk, "row": ScreeningResultFactory(screening=screening).row},
        "watch": {"pk": watch.pk},
        "alert": {"pk": Alert.objects.create(organization=org, watched_number=watched, contact=contact).pk},
        "draft": {
            "pk": create_draft(membership=members["hr"].membership, filename="a.csv", data=b"phone\n2065550100\n").pk
        },
        "template": {"kind": "csv"},
        "contact_import": {"pk": create_import(data=b"number,occurred_at,channel,operation\n", queue=False).pk},
    }
    return users, kwargs


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_permission_matrix(client, world, name, visitor):
    users, kwargs = world
    method, kwargs_name, expected = EXPECTED[name]
    if users[visitor] is not None:
        client.force_login(users[visitor])
    url = reverse(name, kwargs=kwargs[kwargs_name] if kwargs_name else None)
    if method == "post_json":
        response = client.post(url, "{}", content_type="application/json")
    else:
        response = getattr(client, method)(url)
    assert response.status_code == expected[visitor], f"{visitor} {method.upper()} {url}"


@pytest.mark.parametrize("visitor", VISITORS)
def test_only_staff_reach_the_admin(client, world, visitor):
    users, _ = world
    if users[visitor] is not None:
        client.force_login(users[visitor])
    response = client.get(reverse("admin:directory_listednumber_changelist"))
    expected = {"staff": 200, "staff_without_permissions": 403}
    assert response.status_code == expected.get(visitor, 302)


def test_another_orgs_invitation_is_untouched(client, world):
    users, kwargs = world
    client.force_login(users["other_org_admin"])
    client.post(reverse("accounts:invitation_revoke", kwargs=kwargs["invitation"]))
    assert Invitation.objects.get(pk=kwargs["invitation"]["pk"]).revoked_at is None
