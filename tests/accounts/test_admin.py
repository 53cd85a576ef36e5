"""The admin as curators see it: their work on the index, internal tables for superusers only,
one heading a page."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

INTERNAL = ["Groups", "Access attempts", "Access logs", "TOTP devices", "Static devices", "API keys", "Users"]
CURATION = ["Listed numbers", "Contacts", "Operations", "Disputes", "Organizations", "Audit events"]


def index_tables(client) -> list[str]:
    app_list = client.get(reverse("admin:index")).context["app_list"]
    return [model["name"] for app in app_list for model in app["models"]]


def test_the_index_hides_internal_tables_from_a_curator(client, curator):
    curator.user_permissions.add(*Permission.objects.filter(codename__in=["view_group", "view_accessattempt"]))
    client.force_login(curator)
    tables = index_tables(client)
    assert set(CURATION) <= set(tables)
    assert not set(INTERNAL) & set(tables)


def test_a_curator_cannot_open_an_internal_table_either(client, curator):
    curator.user_permissions.add(Permission.objects.get(codename="view_group"))
    client.force_login(curator)
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_superusers_still_see_the_internal_tables(client, staff):
    client.force_login(staff)
    assert set(INTERNAL) <= set(index_tables(client))
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 200


def test_the_index_links_the_dispute_desk_and_the_statistics(client, curator):
    client.force_login(curator)
    content = client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("admin:disputes_dispute_changelist")}"' in content
    assert f'href="{reverse("statistics")}"' in content


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("statistics"),
        reverse("admin:disputes_dispute_changelist"),
        reverse("admin:directory_listednumber_changelist"),
        reverse("admin:directory_contact_import"),
        reverse("admin:accounts_organization_changelist"),
        reverse("admin:audit_auditevent_changelist"),
    ],
)
def test_every_curator_page_has_one_heading(client, curator, url):
    ContactFactory()
    client.force_login(curator)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1
