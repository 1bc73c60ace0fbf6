"""Framework pages: the requirement tree, a requirement with its cross-mappings, the mapping view, and the API."""

import pytest
from django.urls import reverse

from aims.compliance.models import Framework, Requirement
from aims.core.testing import person_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(db):
    return person_with_role("viewer")


def test_framework_page_lists_requirements_and_their_mappings(client, frameworks, reader, django_assert_max_num_queries):
    client.force_login(reader)
    iso = Framework.objects.get(key="iso42001")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("compliance:framework_detail", args=[iso.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "AI system operation and monitoring" in html and 'data-ref="A.6.2.6"' in html
    assert "NIST AI RMF MEASURE 2.4" in html


def test_framework_page_query_count_does_not_grow_with_the_framework(client, frameworks, reader,
                                                                     django_assert_max_num_queries):
    client.force_login(reader)
    nist = Framework.objects.get(key="nist_ai_rmf")  # 95 requirements, more than ISO's 82
    with django_assert_max_num_queries(12):
        assert client.get(reverse("compliance:framework_detail", args=[nist.pk])).status_code == 200


def test_requirement_page_in_french_shows_french_titles_and_facts(client, frameworks, reader):
    reader.language = "fr"
    reader.save()
    client.force_login(reader)
    obligation = Requirement.objects.get(framework__key="eu_ai_act", ref="post_market_monitoring")
    html = client.get(reverse("compliance:requirement_detail", args=[obligation.pk])).content.decode()
    assert "Plan de surveillance après commercialisation" in html
    assert "Art. 72" in html and "2 déc. 2027" in html
    assert 'data-mapped-framework="iso42001"' in html and "A.6.2.6" in html


def test_mapping_view_between_two_frameworks(client, frameworks, reader, django_assert_max_num_queries):
    client.force_login(reader)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("compliance:mappings") + "?from=iso42001&to=eu_ai_act")
    html = response.content.decode()
    row = html[html.index('data-ref="A.6.2.6"'):]
    assert "Art. 72" in row[:row.index("</tr>")]


def test_pages_refuse_people_without_a_role(client, frameworks):
    client.force_login(person_with_role(None))
    assert client.get(reverse("compliance:framework_list")).status_code == 403


def test_api_lists_requirements_of_a_framework_with_their_mappings(client, frameworks, reader):
    client.force_login(reader)
    page = client.get("/api/v1/requirements", {"framework": "nist_ai_rmf", "assessable": True, "limit": 100}).json()
    assert page["count"] == 72 and page["items"][0]["ref"] == "GOVERN 1.1"
    a626 = Requirement.objects.get(framework__key="iso42001", ref="A.6.2.6")
    detail = client.get(f"/api/v1/requirements/{a626.pk}").json()
    assert {"framework": "eu_ai_act", "ref": "post_market_monitoring"}.items() <= next(
        m for m in detail["mapped"] if m["framework"] == "eu_ai_act").items()
    frameworks_page = client.get("/api/v1/frameworks").json()
    assert [f["key"] for f in frameworks_page["items"]] == ["iso42001", "eu_ai_act", "nist_ai_rmf"]
