"""The API can be found: linked from every signed-in page and the tokens page; its schema and docs are public and
describe shapes, never an organisation's data (decision record 0007)."""

import pytest
from django.test import Client
from django.urls import reverse


pytestmark = pytest.mark.django_db


def test_every_signed_in_page_links_the_api_documentation(client, org, role_user):
    client.force_login(role_user("viewer", org["north"]))
    for url in (reverse("home"), reverse("profile"), reverse("token_list")):
        page = client.get(url).content.decode()
        assert 'href="/api/v1/docs"' in page and 'href="/api/v1/openapi.json"' in page, url


def test_the_schema_and_docs_answer_without_signing_in_and_hold_no_organisation_data(demo_admin):
    anonymous = Client()
    schema = anonymous.get("/api/v1/openapi.json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "AIMS API"
    text = schema.content.decode()
    for name in ("Acme Bank", "Human Resources", "Claire", "AIS-DEMO", "example.com"):
        assert name not in text
    assert anonymous.get("/api/v1/docs").status_code == 200
    # The data routes the schema describes still refuse anonymous callers.
    assert anonymous.get("/api/v1/systems").status_code == 401
