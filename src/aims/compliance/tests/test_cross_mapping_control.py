"""One control mapped to A.6.2.6, AI Act Art. 72 and NIST MEASURE 2.4 shows in all three frameworks' views; a control
mapped to A.6.2.6 only shows in the other two through the cross-mappings, and says so."""

import pytest
from django.urls import reverse

from aims.compliance import services
from aims.compliance.models import Framework, Requirement
from aims.core.testing import person_with_role

pytestmark = pytest.mark.django_db


def requirement(framework: str, ref: str) -> Requirement:
    return Requirement.objects.get(framework__key=framework, ref=ref)


def control_cell(html: str, ref: str) -> str:
    row = html[html.index(f'data-ref="{ref}"'):]
    return row[:row.index("</tr>")]


def test_a_control_mapped_to_three_frameworks_shows_in_each_view(client, frameworks, aims_manager, control_owner):
    monitoring = services.create_control(
        actor=aims_manager, title="Production monitoring of model performance and drift", owner=control_owner,
        reference="CTL-MON", links={"requirements": [requirement("iso42001", "A.6.2.6"),
                                                     requirement("eu_ai_act", "post_market_monitoring"),
                                                     requirement("nist_ai_rmf", "MEASURE 2.4")]})
    client.force_login(person_with_role("auditor"))
    for key, ref in (("iso42001", "A.6.2.6"), ("eu_ai_act", "post_market_monitoring"),
                     ("nist_ai_rmf", "MEASURE 2.4")):
        framework = Framework.objects.get(key=key)
        html = client.get(reverse("compliance:framework_detail", args=[framework.pk])).content.decode()
        cell = control_cell(html, ref)
        assert "CTL-MON" in cell and "tag-via" not in cell, key  # linked directly in each
        page = client.get(reverse("compliance:requirement_detail", args=[requirement(key, ref).pk])).content.decode()
        assert 'data-control="CTL-MON"' in page
    api = client.get("/api/v1/controls", {"framework": "nist_ai_rmf"}).json()
    assert [c["reference"] for c in api["items"]] == ["CTL-MON"] and len(api["items"][0]["requirement_ids"]) == 3
    assert monitoring.requirements.count() == 3


def test_one_implemented_control_counts_for_the_mapped_frameworks(client, frameworks, aims_manager, control_owner):
    services.create_control(actor=aims_manager, title="Production monitoring", owner=control_owner,
                            reference="CTL-MON", links={"requirements": [requirement("iso42001", "A.6.2.6")]})
    client.force_login(person_with_role("viewer"))
    ai_act = Framework.objects.get(key="eu_ai_act")
    cell = control_cell(client.get(reverse("compliance:framework_detail", args=[ai_act.pk])).content.decode(),
                        "post_market_monitoring")
    assert "CTL-MON" in cell and "via ISO/IEC 42001 A.6.2.6" in cell
    page = client.get(reverse("compliance:requirement_detail",
                              args=[requirement("nist_ai_rmf", "MEASURE 2.4").pk])).content.decode()
    assert 'data-control="CTL-MON" data-via="iso42001/A.6.2.6"' in page
