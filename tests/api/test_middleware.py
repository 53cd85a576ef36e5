"""Every answer under /api/ is JSON, whatever went wrong and whatever DEBUG is (SPEC section 7)."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/lookups/"
BATCH = "/api/v1/lookups/batch/"
DEBUG_ON_AND_OFF = pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])


@pytest.fixture
def member_api(api_client, legal):
    api_client.force_authenticate(legal)
    api_client.raise_request_exception = False
    return api_client


def post_batch(member_api, body: str, debug: bool):
    """POST a JSON body to the batch lookup with DEBUG on or off."""
    with override_settings(DEBUG=debug):
        return member_api.post(BATCH, body, content_type="application/json")


def json_detail(response) -> str:
    assert response["Content-Type"] == "application/json", response.content[:200]
    return response.json()["detail"]


@DEBUG_ON_AND_OFF
def test_a_deeply_nested_json_body_is_a_400_json_answer(member_api, debug):
    response = post_batch(member_api, '{"numbers":' + "[" * 50_000, debug)
    assert response.status_code == 400
    assert "nested too deeply" in json_detail(response)


@DEBUG_ON_AND_OFF
def test_a_json_body_over_the_limit_is_a_413_json_answer_naming_the_limit(member_api, debug):
    response = post_batch(member_api, '{"numbers": ["' + "2065550100" * 600_000 + '"]}', debug)
    assert response.status_code == 413
    assert "5 MB" in json_detail(response)


@DEBUG_ON_AND_OFF
def test_an_unknown_api_path_is_a_404_json_answer(member_api, debug):
    with override_settings(DEBUG=debug):
        response = member_api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert json_detail(response) == "Not found."


@DEBUG_ON_AND_OFF
def test_a_wrong_method_is_a_405_json_answer(member_api, debug):
    with override_settings(DEBUG=debug):
        response = member_api.delete(LOOKUP)
    assert response.status_code == 405
    assert "DELETE" in json_detail(response)


@DEBUG_ON_AND_OFF
def test_a_crash_is_a_500_json_answer_without_the_traceback(member_api, monkeypatch, debug):
    def crash(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("directory.api.lookup_views.lookup_numbers", crash)
    with override_settings(DEBUG=debug):
        response = member_api.post(LOOKUP, {"number": "2065550100"}, format="json")
    assert response.status_code == 500
    assert json_detail(response) == "Server error. It has been logged; try again later."
    assert b"secret internals" not in response.content


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_browser_asking_for_html_still_gets_json_errors(member_api):
    response = member_api.get("/api/v1/numbers/", HTTP_ACCEPT="text/html")
    assert response.status_code == 403
    assert json_detail(response) == "Only site staff with the matching permission in the admin may do this."
