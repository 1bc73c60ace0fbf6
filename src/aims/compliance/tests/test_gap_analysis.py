"""Gap analysis: a status per requirement with notes and evidence, a score per clause and per framework, snapshots
whose trend is drawn as an accessible SVG, and catalogue updates that never rewrite a past assessment."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aims.compliance import services, tasks
from aims.compliance.charts import Point, trend_svg
from aims.compliance.framework_files import FrameworkData, RequirementData
from aims.compliance.models import Framework, GapSnapshot, Requirement
from aims.compliance.services.assessments import scores
from aims.evidence import services as evidence

from .conftest import pdf

pytestmark = pytest.mark.django_db


def framework_with_two_clauses(version: str = "1") -> Framework:
    data = FrameworkData(key="mini", version=version, name_en="Mini", requirements=[
        RequirementData(ref="4", code="4", kind="clause", title_en="Context"),
        RequirementData(ref="4.1", code="4.1", kind="clause", title_en="Context", parent="4"),
        RequirementData(ref="4.2", code="4.2", kind="clause", title_en="Interested parties", parent="4"),
        RequirementData(ref="5", code="5", kind="clause", title_en="Leadership"),
        RequirementData(ref="5.1", code="5.1", kind="clause", title_en="Commitment", parent="5"),
    ]).finish()
    services.load_framework(actor=None, data=data, source="test")
    return Framework.objects.get(key="mini")


def test_scores_per_clause_and_framework(aims_manager):
    assessment = services.start_assessment(actor=aims_manager, framework=framework_with_two_clauses(), title="Q1")
    rows = {r.code: r for r in assessment.rows.all()}
    assert set(rows) == {"4.1", "4.2", "5.1"} and rows["4.1"].group_code == "4"
    services.assess_requirement(actor=aims_manager, row=rows["4.1"], status="conforming")
    with pytest.raises(ValidationError, match="what is missing"):
        services.assess_requirement(actor=aims_manager, row=rows["4.2"], status="partial")
    services.assess_requirement(actor=aims_manager, row=rows["4.2"], status="partial", notes="No stakeholder map")
    result = scores(assessment)
    assert result["by_group"]["4"]["score"] == 75.0 and result["by_group"]["5"]["score"] == 0.0
    assert result["score"] == 50.0 and result["counts"]["not_assessed"] == 1


def test_snapshots_make_a_trend_and_the_job_records_only_changes(aims_manager):
    assessment = services.start_assessment(actor=aims_manager, framework=framework_with_two_clauses(), title="Q1")
    first = services.take_snapshot(actor=aims_manager, assessment=assessment)
    assert first.score == 0.0
    assert tasks.snapshot_open_assessments() == 0  # nothing moved since
    row = assessment.rows.get(code="5.1")
    services.assess_requirement(actor=aims_manager, row=row, status="conforming")
    assert tasks.snapshot_open_assessments() == 1
    closed = services.close_assessment(actor=aims_manager, assessment=assessment)
    assert closed.status == "closed" and closed.score == pytest.approx(33.3)
    assert list(GapSnapshot.objects.values_list("score", flat=True)) == [0.0, 33.3, 33.3]
    with pytest.raises(ValidationError, match="closed"):
        services.assess_requirement(actor=aims_manager, row=row, status="partial", notes="x")


def test_a_new_assessment_carries_statuses_over(aims_manager):
    framework = framework_with_two_clauses()
    first = services.start_assessment(actor=aims_manager, framework=framework, title="Q1")
    services.assess_requirement(actor=aims_manager, row=first.rows.get(code="4.1"), status="conforming")
    services.close_assessment(actor=aims_manager, assessment=first)
    second = services.start_assessment(actor=aims_manager, framework=framework, title="Q2")
    assert second.rows.get(code="4.1").status == "conforming"


def test_a_catalogue_update_never_rewrites_a_past_assessment(aims_manager):
    framework = framework_with_two_clauses()
    assessment = services.start_assessment(actor=aims_manager, framework=framework, title="Q1")
    data = FrameworkData(key="mini", version="2", name_en="Mini", requirements=[
        RequirementData(ref="4", code="4", kind="clause", title_en="Context of the organisation"),
        RequirementData(ref="4.1", code="4.1", kind="clause", title_en="Understanding the context", parent="4"),
        RequirementData(ref="5", code="5", kind="clause", title_en="Leadership"),
        RequirementData(ref="5.1", code="5.1", kind="clause", title_en="Commitment", parent="5"),
    ]).finish()
    services.load_framework(actor=None, data=data, source="test")
    assert Requirement.objects.get(framework=framework, ref="4.1").title_en == "Understanding the context"
    assert assessment.catalogue_version == "1"
    assert assessment.rows.get(code="4.1").title_en == "Context"  # as assessed
    assert assessment.rows.filter(code="4.2").exists()  # the retired requirement stays in the past assessment
    later = services.start_assessment(actor=aims_manager, framework=framework, title="Q2")
    assert later.catalogue_version == "2" and not later.rows.filter(code="4.2").exists()


def test_trend_svg_is_accessible_and_escapes_labels():
    now = timezone.now()
    svg = trend_svg([Point(now - timedelta(days=30), 20), Point(now, 65)], title="Score <of> ISO",
                    description="2 measurements")
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "Score &lt;of&gt; ISO" in svg and "<polyline" in svg and "65 %" in svg
    assert "style=" not in svg  # the CSP refuses inline styles


def test_assessment_page_with_evidence_counts_and_trend(client, aims_manager, unit, django_assert_max_num_queries):
    framework = framework_with_two_clauses()
    assessment = services.start_assessment(actor=aims_manager, framework=framework, title="Q1")
    row = assessment.rows.get(code="4.1")
    evidence.create_evidence(actor=aims_manager, title="Context analysis", unit=unit, file=pdf(), link_to=[row])
    services.take_snapshot(actor=aims_manager, assessment=assessment)
    client.force_login(aims_manager)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("compliance:assessment_detail", args=[assessment.pk])).content.decode()
    assert 'data-group="4"' in page and "<svg" in page
    row_html = page[page.index(f'id="row-{row.pk}"'):]
    assert '<td class="num">1</td>' in row_html[:row_html.index("</tr>")]
    listing = client.get(reverse("compliance:assessment_list")).content.decode()
    assert 'data-trend="mini"' in listing


def test_api_scores_and_snapshots(client, aims_manager):
    framework = framework_with_two_clauses()
    client.force_login(aims_manager)
    created = client.post("/api/v1/assessments", {"framework": "mini", "title": "Q1"},
                          content_type="application/json").json()
    rows = client.get(f"/api/v1/assessments/{created['id']}/requirements").json()
    patched = client.patch(f"/api/v1/assessments/{created['id']}/requirements/{rows[0]['id']}",
                           {"version": rows[0]["version"], "status": "conforming"}, content_type="application/json")
    assert patched.status_code == 200
    assert client.get(f"/api/v1/assessments/{created['id']}/scores").json()["score"] == pytest.approx(33.3)
    client.post(f"/api/v1/assessments/{created['id']}/snapshot")
    assert client.get("/api/v1/gap-snapshots", {"framework": "mini"}).json()["count"] == 1
    assert framework.assessments.count() == 1


