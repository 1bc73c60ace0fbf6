"""Method pages (new version, scales as rows, YAML errors, activation), heatmaps and the level stylesheet, a
system's risk tab, reviews to do, suggested risks, and impact assessments through their pages."""

import re

import pytest
from django.urls import reverse

from aims.core.models import LedgerEvent
from aims.core.testing import person_with_role
from aims.risks import services, triggers
from aims.risks.models import ImpactAssessment, Risk, RiskMethod, RiskSuggestion

pytestmark = pytest.mark.django_db


def method_post(method, **changes) -> dict:
    """The edit form's data for `method` as it stands (scales as formset rows, levels and matrix as YAML)."""
    import yaml

    data = {"version": method.version, "name": method.name, "description": method.description,
            "acceptance_criteria": method.acceptance_criteria, "appetite_level": method.appetite_level,
            "levels": yaml.safe_dump(method.levels), "matrix": yaml.safe_dump(method.matrix),
            "appetite_by_category": yaml.safe_dump(method.appetite_by_category)}
    for axis, scale in (("likelihood", method.likelihood_scale), ("impact", method.impact_scale)):
        data.update({f"{axis}-TOTAL_FORMS": 6, f"{axis}-INITIAL_FORMS": 0, f"{axis}-MIN_NUM_FORMS": 0,
                     f"{axis}-MAX_NUM_FORMS": 6})
        for i, step in enumerate(scale):
            for key in ("label_en", "label_fr", "description_en", "description_fr"):
                data[f"{axis}-{i}-{key}"] = step.get(key, "")
    data.update(changes)
    return data


def test_risk_manager_copies_edits_and_activates_a_method_version(client, risk_manager, method):
    client.force_login(risk_manager)
    response = client.post(reverse("risks:method_new_version"))
    draft = RiskMethod.objects.get(status="draft")
    assert response["Location"] == reverse("risks:method_edit", args=[draft.pk]) and draft.based_on == method
    form = client.get(response["Location"]).content.decode()
    assert 'name="likelihood-2-label_en"' in form and 'value="Likely"' in form
    response = client.post(reverse("risks:method_edit", args=[draft.pk]),
                           method_post(draft, **{"likelihood-2-label_en": "Probable (seen in testing)"}))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.likelihood_scale[2]["label_en"] == "Probable (seen in testing)"
    detail = client.get(reverse("risks:method_detail", args=[draft.pk])).content.decode()
    assert detail.count('class="heat-cell lvl-') == 16  # the 4x4 matrix as a coloured grid
    client.post(reverse("risks:method_activate", args=[draft.pk]), {"reason": "Clearer labels"})
    assert RiskMethod.objects.get(pk=draft.pk).status == "active"
    assert RiskMethod.objects.get(pk=method.pk).status == "retired"
    assert LedgerEvent.objects.filter(action="risks.riskmethod.activate", object_id=str(draft.pk)).exists()


def test_method_edit_shows_yaml_and_definition_errors_next_to_the_fields(client, risk_manager, method):
    draft = services.create_method_version(actor=risk_manager, based_on=method)
    client.force_login(risk_manager)
    url = reverse("risks:method_edit", args=[draft.pk])
    page = client.post(url, method_post(draft, matrix="[low, [")).content.decode()
    assert re.search(r'id="id_matrix_error">Not valid YAML \(line 1', page)
    page = client.post(url, method_post(draft, matrix="[[low, low], [low, low]]")).content.decode()
    assert "The matrix must have one row per likelihood step" in page
    page = client.post(url, method_post(draft, **{f"impact-{i}-label_en": "" for i in range(4)}
                                        | {f"impact-{i}-label_fr": "" for i in range(4)}
                                        | {f"impact-{i}-description_en": "" for i in range(4)}
                                        | {f"impact-{i}-description_fr": "" for i in range(4)})).content.decode()
    assert "A scale has between 3 and 6 steps." in page
    assert RiskMethod.objects.get(pk=draft.pk).version == draft.version  # nothing saved


def test_method_pages_are_refused_to_people_who_cannot_define_methods(client, owner, method):
    client.force_login(owner)
    assert client.get(reverse("risks:method_list")).status_code == 200
    assert client.post(reverse("risks:method_new_version")).status_code == 403
    assert client.get(reverse("risks:method_edit", args=[method.pk])).status_code == 403
    assert not RiskMethod.objects.filter(status="draft").exists()


def test_heatmap_counts_move_when_the_residual_is_scored(client, owner, make_risk, make_system):
    system = make_system()
    risk = make_risk(systems=[system], inherent_likelihood=3, inherent_impact=3)
    make_risk(title="Elsewhere", inherent_likelihood=3, inherent_impact=3)
    client.force_login(owner)

    def count(kind, l, i, **params) -> int:
        page = client.get(reverse("risks:heatmap"), params).content.decode()
        return int(re.search(rf'data-cell="{kind}-{l}-{i}" data-count="(\d+)"', page).group(1))

    assert count("inherent", 3, 3) == 2 and count("residual", 3, 3) == 2
    assert count("inherent", 3, 3, system=system.pk) == 1
    services.assess_risk(actor=owner, risk=risk, inherent_likelihood=3, inherent_impact=3, residual_likelihood=2,
                         residual_impact=2)
    assert count("residual", 3, 3) == 1 and count("residual", 2, 2) == 1 and count("inherent", 3, 3) == 2
    page = client.get(reverse("risks:heatmap")).content.decode()
    assert " style=" not in page and "<style" not in page  # the CSP refuses both
    link = re.search(r'data-cell="residual-2-2"[^>]*>\s*<a href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert re.findall(r'<a href="/risks/\d+/">([^<]+)</a>', client.get(link).content.decode()) == [risk.title]


def test_level_stylesheet_colours_every_level_class(client, owner, method):
    client.force_login(owner)
    response = client.get(reverse("risks:levels_css"))
    css = response.content.decode()
    assert response["Content-Type"].startswith("text/css")
    assert ".lvl-c62828{background-color:#c62828;color:#fff}" in css
    assert ".lvl-f9a825{background-color:#f9a825;color:#000}" in css  # dark text on yellow
    again = client.get(reverse("risks:levels_css"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_system_risk_tab_partial_and_reviews_to_do(client, owner, make_risk, make_system):
    system = make_system()
    risk = make_risk(title="Tab risk", systems=[system], inherent_likelihood=3, inherent_impact=3)
    client.force_login(owner)
    partial = client.get(reverse("risks:system_risks", args=[system.pk]), {"partial": 1}).content.decode()
    assert "<html" not in partial and "Tab risk" in partial and 'data-cell="inherent-3-3" data-count="1"' in partial
    triggers.request_review(actor=None, reason="Incident INC-7", systems=[system], source="incident")
    todo = client.get(reverse("risks:reviews")).content.decode()
    assert "Incident INC-7" in todo and reverse("risks:risk_detail", args=[risk.pk]) in todo
    assert "Incident INC-7" in client.get(reverse("risks:reviews"), {"mine": 1}).content.decode()
    client.force_login(person_with_role("risk_manager"))
    assert "Incident INC-7" in client.get(reverse("risks:reviews")).content.decode()
    assert "Incident INC-7" not in client.get(reverse("risks:reviews"), {"mine": 1}).content.decode()


def test_suggestions_are_accepted_or_dismissed(client, owner, method, threats, make_system):
    system = make_system(name="Customer chatbot", purpose="An LLM chatbot answering customers")
    services.refresh_suggestions(actor=owner, system=system)
    first, second = RiskSuggestion.objects.filter(system=system)[:2]
    client.force_login(owner)
    page = client.get(reverse("risks:suggestions"), {"system": system.pk}).content.decode()
    assert first.title_en in page
    response = client.post(reverse("risks:suggestion_accept", args=[first.pk]))
    risk = Risk.objects.get(systems=system)
    assert response["Location"] == reverse("risks:risk_detail", args=[risk.pk])
    client.post(reverse("risks:suggestion_dismiss", args=[second.pk]), {"reason": "Not exposed to the internet"})
    second.refresh_from_db()
    assert (second.status, second.dismiss_reason) == ("dismissed", "Not exposed to the internet")


def test_impact_assessment_is_started_filled_submitted_and_approved_through_pages(client, owner, risk_manager,
                                                                                   make_system):
    system = make_system()
    client.force_login(owner)
    response = client.post(reverse("risks:impact_start"), {"system": system.pk})
    assessment = ImpactAssessment.objects.get(system=system)
    url = reverse("risks:impact_detail", args=[assessment.pk])
    assert response["Location"] == url
    form = client.get(url).content.decode()
    assert 'name="affected_groups"' in form and 'name="purpose"' in form
    page = client.post(reverse("risks:impact_save", args=[assessment.pk]),
                       {"version": assessment.version, "purpose": "Answer customers", "submit": "1"}).content.decode()
    assert "This question must be answered." in page
    assessment.refresh_from_db()
    assert assessment.status == "draft" and assessment.answers == {}  # save and submit: both or neither
    from aims.risks import catalogs

    answers = _complete_answers(catalogs.impact_template())
    client.post(reverse("risks:impact_save", args=[assessment.pk]), {"version": assessment.version, **answers,
                                                                     "submit": "1"})
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    page = client.get(url).content.decode()
    assert "You cannot approve your own work." in page and "Return to the author" not in page
    refused = client.post(reverse("risks:impact_approve", args=[assessment.pk]), {"comment": "ok"}).content.decode()
    assert "You cannot approve your own work: another person must." in refused
    client.force_login(risk_manager)
    client.post(reverse("risks:impact_approve", args=[assessment.pk]), {"comment": "Reviewed"})
    assessment.refresh_from_db()
    assert (assessment.status, assessment.approved_by) == ("approved", risk_manager)
    client.post(reverse("risks:impact_reopen", args=[assessment.pk]), {"reason": "New data source"})
    assert ImpactAssessment.objects.get(pk=assessment.pk).status == "reopened"
    assert client.get(reverse("risks:impact_list")).status_code == 200
    client.force_login(person_with_role(None))
    assert client.get(url).status_code == 404


def _complete_answers(template) -> dict:
    data = {}
    for section in template["sections"]:
        for q in section["questions"]:
            if q["type"] == "text":
                data[q["key"]] = "Answer"
            elif q["type"] == "boolean":
                data[q["key"]] = "no"
            elif q["type"] in ("choice", "multichoice"):
                data[q["key"]] = q["options"][0]["key"]
            else:
                data[q["key"]] = 1
    return data
