import re

import pytest

pytestmark = pytest.mark.django_db


def test_home_explains_the_product(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"company-owned" in response.content


def test_how_it_works_covers_meaning_search_and_disputes(client):
    content = client.get("/how-it-works/").content.decode()
    for heading in ["What a listing means", "Who may search", "If your number is listed in error"]:
        assert heading in content


def test_pages_load_no_external_assets(client):
    content = client.get("/").content.decode()
    assert "http://" not in content and "https://" not in content


def test_dashboard_needs_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_dashboard_shows_recent_screenings_and_alerts_to_admins(client, org_admin, legal):
    from screenings.models import Alert
    from tests.factories import ContactFactory, ScreeningFactory

    organization = org_admin.membership.organization
    ScreeningFactory(organization=organization, filename="march.csv")
    Alert.objects.create(organization=organization, contact=ContactFactory())
    client.force_login(org_admin)
    content = client.get("/dashboard/").content.decode()
    assert "march.csv" in content and "1 new contact from watched numbers" in content
    client.force_login(legal)
    content = client.get("/dashboard/").content.decode()
    assert "march.csv" in content and "watched numbers" not in content


def test_the_dashboard_counts_every_unread_alert(client, hr):
    from screenings.models import Alert
    from tests.factories import ContactFactory

    organization = hr.membership.organization
    Alert.objects.bulk_create(Alert(organization=organization, contact=ContactFactory()) for _ in range(9))
    Alert.objects.filter(pk=Alert.objects.first().pk).update(reviewed_at="2025-03-16T10:00:00Z")
    client.force_login(hr)
    assert "8 new contacts from watched numbers" in client.get("/dashboard/").content.decode()


@pytest.mark.parametrize("url", ["/", "/dashboard/", "/no-such-page/"])
def test_pages_name_the_favicon_and_it_is_served(client, hr, settings, url):
    settings.WHITENOISE_USE_FINDERS = True  # serve static files as they are collected for production
    client.force_login(hr)
    content = client.get(url).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', content)
    assert icon and icon[1] == "/static/favicon.svg"
    response = client.get(icon[1])
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)
